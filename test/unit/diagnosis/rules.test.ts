/**
 * Table-driven tests per rule over the fixture reports in fixtures/diagnosis/ (and small edits of
 * them). Each row names the rule, the report, and the findings it must give: codes, severities and
 * the check ids they rest on, never message text. Rows with `want: []` are the negative cases: the
 * rule must stay silent when its evidence is absent.
 */
import { describe, expect, test } from 'vitest';
import { resolveOptions } from '../../../src/diagnosis/diagnose.js';
import type { DiagnosisOptions, Rule } from '../../../src/diagnosis/evidence.js';
import { turnAuth } from '../../../src/diagnosis/rules/auth.js';
import { browserPorts } from '../../../src/diagnosis/rules/browser-ports.js';
import { callFailures } from '../../../src/diagnosis/rules/call-failures.js';
import { browserDnsFailure, dnsFailure } from '../../../src/diagnosis/rules/dns.js';
import { dualStack } from '../../../src/diagnosis/rules/dual-stack.js';
import { lowThroughput } from '../../../src/diagnosis/rules/low-throughput.js';
import { dataChannelStalled } from '../../../src/diagnosis/rules/stalled.js';
import { dataChannelRetransmitting } from '../../../src/diagnosis/rules/retransmitting.js';
import { symmetricNat } from '../../../src/diagnosis/rules/nat.js';
import { noRelayCandidate } from '../../../src/diagnosis/rules/no-relay.js';
import { packetLoss } from '../../../src/diagnosis/rules/packet-loss.js';
import { noTurnConfigured } from '../../../src/diagnosis/rules/no-turn.js';
import { only443Open } from '../../../src/diagnosis/rules/only-443.js';
import { portUnreachable } from '../../../src/diagnosis/rules/port-unreachable.js';
import { relayRequired } from '../../../src/diagnosis/rules/relay-required.js';
import { runProblems } from '../../../src/diagnosis/rules/run.js';
import { serverUnreachable } from '../../../src/diagnosis/rules/server-unreachable.js';
import { slowSetup } from '../../../src/diagnosis/rules/slow-setup.js';
import { tcpBlocked } from '../../../src/diagnosis/rules/tcp-blocked.js';
import { tcpTlsRelayMissing } from '../../../src/diagnosis/rules/tcp-tls-relay.js';
import { tlsProblems } from '../../../src/diagnosis/rules/tls.js';
import { turnErrors } from '../../../src/diagnosis/rules/turn-errors.js';
import { turnsNotOn443 } from '../../../src/diagnosis/rules/turns-port.js';
import { udpBlocked } from '../../../src/diagnosis/rules/udp-blocked.js';
import type { Check, Report, Severity } from '../../../src/core/schema.js';
import { LAB, PROD, check, dropChecks, gatherTimeout, load, refused, setCheck, timeout } from './helpers.js';

interface Want {
  code: string;
  severity?: Severity;
  /** Check ids the finding must cite (a subset of its checkIds). */
  ids?: string[];
  /** Check ids it must not cite. */
  notIds?: string[];
}
interface Row {
  name: string;
  report: () => Report;
  want: Want[];
  options?: DiagnosisOptions;
}

const g = (url: string) => `gather:${url}`;
const ta = (url: string) => `turn-allocate:${url}`;
const sb = (url: string) => `stun-binding:${url}`;

function run(rule: Rule, rows: Row[]) {
  test.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const report = row.report();
    const got = rule(report, resolveOptions(row.options));
    expect(got.map((f) => f.code).sort()).toEqual(row.want.map((w) => w.code).sort());
    const known = new Set(report.checks.map((c) => c.id));
    for (const f of got) {
      // Every finding rests on checks that exist in the report (a partial run may have none), and says something.
      if (f.code !== 'RUN_INTERRUPTED') expect(f.checkIds.length).toBeGreaterThan(0);
      for (const id of f.checkIds) expect(known, `${f.code} cites unknown check ${id}`).toContain(id);
      expect(f.message.length).toBeGreaterThan(0);
      expect(f.advice.length).toBeGreaterThan(0);
    }
    for (const w of row.want) {
      const f = got.find((x) => x.code === w.code && (w.ids ?? []).every((id) => x.checkIds.includes(id)));
      expect(f, `${w.code} citing ${(w.ids ?? []).join(', ')}: got ${JSON.stringify(got.map((x) => [x.code, x.checkIds]))}`).toBeDefined();
      if (w.severity) expect(f?.severity).toBe(w.severity);
      for (const id of w.notIds ?? []) expect(f?.checkIds).not.toContain(id);
    }
  });
}

describe('NO_TURN_CONFIGURED', () =>
  run(noTurnConfigured, [
    { name: 'stun only', report: () => load('stun-only'), want: [{ code: 'NO_TURN_CONFIGURED', severity: 'warn', ids: ['config:turn', g('stun:stun.example.com:3478')] }] },
    { name: 'turn configured', report: () => load('healthy'), want: [] },
    { name: 'no servers at all, no checks to cite but the config check', report: () => Object.assign(load('stun-only'), { servers: [] }), want: [{ code: 'NO_TURN_CONFIGURED', ids: ['config:turn'] }] },
  ]));

describe('NO_TCP_TLS_RELAY', () =>
  run(tcpTlsRelayMissing, [
    { name: 'turn over udp only', report: () => load('udp-only-turn'), want: [{ code: 'NO_TCP_TLS_RELAY', severity: 'warn', ids: ['config:tcp-tls-relay', g(PROD.udp)] }] },
    { name: 'tcp and tls offered', report: () => load('healthy'), want: [] },
    { name: 'no turn at all (NO_TURN_CONFIGURED speaks)', report: () => load('stun-only'), want: [] },
  ]));

describe('TURNS_NOT_ON_443', () =>
  run(turnsNotOn443, [
    { name: 'turns on 5349 only', report: () => load('port-policy'), want: [{ code: 'TURNS_NOT_ON_443', severity: 'warn', ids: ['config:turns-port:turns:turn.example.com:5349?transport=tcp'] }] },
    { name: 'turns on 443', report: () => load('healthy'), want: [] },
    { name: 'no turns: URL at all', report: () => load('udp-only-turn'), want: [] },
    { name: 'embedded loopback server', report: () => load('embedded'), want: [] },
  ]));

describe('PORT_BLOCKED_BY_BROWSER / UNSUPPORTED_BY_BROWSER', () =>
  run(browserPorts, [
    {
      name: 'turn on port 1000',
      report: () => load('port-policy'),
      want: [{ code: 'PORT_BLOCKED_BY_BROWSER', severity: 'error', ids: ['config:port-policy:turn:turn.example.com:1000?transport=tcp', g('turn:turn.example.com:1000?transport=tcp')] }],
    },
    { name: 'allowed ports', report: () => load('healthy'), want: [] },
    {
      name: 'stuns: URL',
      report: () => setCheck(load('healthy'), g(PROD.stun), { status: 'warn', code: 'UNSUPPORTED_BY_BROWSER' }),
      want: [{ code: 'UNSUPPORTED_BY_BROWSER', severity: 'warn', ids: [g(PROD.stun)] }],
    },
    {
      // --browser firefox alone: Firefox ignoring a turns: URL to an IP address is its own finding, not "stuns:".
      name: 'stuns: URL and a turns: URL to an IP address that Firefox ignored',
      report: () =>
        setCheck(setCheck(load('healthy'), g(PROD.stun), { status: 'warn', code: 'UNSUPPORTED_BY_BROWSER' }), g(PROD.tls), { status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true } }),
      want: [
        { code: 'UNSUPPORTED_BY_BROWSER', severity: 'warn', ids: [g(PROD.tls)], notIds: [g(PROD.stun)] },
        { code: 'UNSUPPORTED_BY_BROWSER', severity: 'warn', ids: [g(PROD.stun)], notIds: [g(PROD.tls)] },
      ],
    },
  ]));

describe('DNS_FAILURE', () =>
  run(dnsFailure, [
    {
      name: 'name does not resolve',
      report: () => load('dns-failure'),
      want: [{ code: 'DNS_FAILURE', severity: 'error', ids: ['dns:turn.nxdomain.example.com', ta('turn:turn.nxdomain.example.com:3478?transport=udp'), g('turn:turn.nxdomain.example.com:3478?transport=tcp')] }],
    },
    { name: 'resolver error', report: () => setCheck(load('dns-failure'), 'dns:turn.nxdomain.example.com', { code: 'DNS_ERROR' }), want: [{ code: 'DNS_FAILURE', ids: ['dns:turn.nxdomain.example.com'] }] },
    { name: 'names resolve', report: () => load('healthy'), want: [] },
    { name: 'IP literals', report: () => load('udp-blocked'), want: [] },
  ]));

describe('TURN_AUTH_FAILED and its precise forms', () =>
  run(turnAuth, [
    {
      name: 'browser 401 and Node 401: one finding citing both',
      report: () => load('wrong-credentials'),
      want: [{ code: 'TURN_AUTH_FAILED', severity: 'error', ids: [g(LAB.udp), ta(LAB.udp), g(LAB.tcp), ta(LAB.tcp), g(LAB.tls), ta(LAB.tls)], notIds: [g(LAB.stunA)] }],
    },
    { name: 'browser 401 only (no protocol probes)', report: () => dropChecks(load('wrong-credentials'), (c) => c.kind === 'turn-allocate'), want: [{ code: 'TURN_AUTH_FAILED', ids: [g(LAB.udp), g(LAB.tcp)] }] },
    { name: 'Node 401 only (no browser)', report: () => dropChecks(load('wrong-credentials'), (c) => c.kind === 'gather'), want: [{ code: 'TURN_AUTH_FAILED', ids: [ta(LAB.udp), ta(LAB.tls)] }] },
    {
      name: 'Node 441 counts as credentials',
      report: () => dropChecks(setCheck(load('wrong-credentials'), ta(LAB.udp), { code: 'TURN_WRONG_CREDENTIALS' }), (c) => c.kind === 'gather'),
      want: [{ code: 'TURN_AUTH_FAILED', ids: [ta(LAB.udp)] }],
    },
    {
      name: 'expired TURN REST username: its own finding, with the browser 401 of that URL',
      report: () => setCheck(load('wrong-credentials'), ta(LAB.udp), { code: 'TURN_CREDENTIAL_EXPIRED' }),
      want: [
        { code: 'TURN_CREDENTIAL_EXPIRED', ids: [ta(LAB.udp), g(LAB.udp)] },
        { code: 'TURN_AUTH_FAILED', ids: [ta(LAB.tcp)], notIds: [g(LAB.udp), ta(LAB.udp)] },
      ],
    },
    {
      name: 'realm mismatch',
      report: () => dropChecks(setCheck(load('wrong-credentials'), ta(LAB.tcp), { code: 'TURN_REALM_MISMATCH' }), (c) => c.kind === 'turn-allocate' && c.code === 'TURN_AUTH_FAILED'),
      want: [
        { code: 'TURN_REALM_MISMATCH', ids: [ta(LAB.tcp), g(LAB.tcp)] },
        { code: 'TURN_AUTH_FAILED', ids: [g(LAB.udp)] },
      ],
    },
    {
      name: 'pion/turn: Node read its 400 as a credential rejection; the browser\'s 400 (TURN_ERROR) joins it',
      report: () => {
        const r = load('wrong-credentials');
        for (const u of [LAB.udp, LAB.tcp, LAB.tls]) {
          const node = check(r, ta(u));
          node.details = { ...node.details, errorCode: { code: 400, reason: '' }, authRejection: { step: 'allocate-auth', serverCode: 400, reason: '' } };
          const gather = check(r, g(u));
          gather.code = 'TURN_ERROR';
          gather.details = { ...gather.details, errors: [{ errorCode: 400, errorText: 'TURN allocate error.', url: u, address: null, port: null, elapsedMs: 60 }] };
        }
        return r;
      },
      want: [{ code: 'TURN_AUTH_FAILED', severity: 'error', ids: [g(LAB.udp), ta(LAB.udp), g(LAB.tcp), ta(LAB.tcp), g(LAB.tls), ta(LAB.tls)] }],
    },
    {
      name: 'a browser 400 alone (Node saw no credential problem) is not an auth finding',
      report: () => {
        const r = dropChecks(load('wrong-credentials'), (c) => c.kind === 'turn-allocate');
        for (const u of [LAB.udp, LAB.tcp, LAB.tls]) {
          const gather = check(r, g(u));
          gather.code = 'TURN_ERROR';
          gather.details = { ...gather.details, errors: [{ errorCode: 400, errorText: 'TURN allocate error.', url: u, address: null, port: null, elapsedMs: 60 }] };
        }
        return r;
      },
      want: [],
    },
    { name: 'credentials accepted', report: () => load('healthy'), want: [] },
    { name: 'quota is not an auth problem', report: () => load('quota'), want: [] },
  ]));

describe('TURN server answers: 403, 486, 508, errors, not STUN, refresh', () =>
  run(turnErrors, [
    {
      name: '486 from browser and Node',
      report: () => load('quota'),
      want: [{ code: 'TURN_QUOTA', severity: 'error', ids: [ta(PROD.udp), g(PROD.udp), ta(PROD.tls), g(PROD.tls)] }],
    },
    {
      name: '508 capacity',
      report: () => setCheck(setCheck(load('quota'), ta(PROD.udp), { code: 'TURN_CAPACITY' }), g(PROD.udp), { code: 'TURN_CAPACITY' }),
      want: [
        { code: 'TURN_CAPACITY', ids: [ta(PROD.udp), g(PROD.udp)] },
        { code: 'TURN_QUOTA', ids: [ta(PROD.tcp)], notIds: [ta(PROD.udp)] },
      ],
    },
    { name: '403 forbidden from Node', report: () => setCheck(load('healthy'), ta(PROD.tcp), { status: 'fail', code: 'TURN_FORBIDDEN' }), want: [{ code: 'TURN_FORBIDDEN', ids: [ta(PROD.tcp)] }] },
    {
      name: 'a TLS port that is not TURN',
      report: () => setCheck(load('healthy'), ta(PROD.tls), { status: 'fail', code: 'NOT_STUN' }),
      want: [{ code: 'BAD_SERVER_RESPONSE', ids: [ta(PROD.tls)] }],
    },
    {
      name: '420 and 500: one finding per code',
      report: () => setCheck(setCheck(load('healthy'), ta(PROD.udp), { status: 'fail', code: 'TURN_UNKNOWN_ATTRIBUTE' }), ta(PROD.tcp), { status: 'fail', code: 'TURN_ERROR' }),
      want: [
        { code: 'TURN_SERVER_ERROR', ids: [ta(PROD.udp)] },
        { code: 'TURN_SERVER_ERROR', ids: [ta(PROD.tcp)] },
      ],
    },
    { name: 'refresh failed', report: () => setCheck(load('healthy'), ta(PROD.udp), { status: 'warn', code: 'TURN_REFRESH_FAILED' }), want: [{ code: 'TURN_REFRESH_FAILED', severity: 'warn', ids: [ta(PROD.udp)] }] },
    { name: 'the browser\'s generic TURN_ERROR alone is not enough', report: () => setCheck(load('healthy'), g(PROD.udp), { status: 'fail', code: 'TURN_ERROR' }), want: [] },
    { name: 'healthy', report: () => load('healthy'), want: [] },
    { name: 'wrong credentials are the auth rule\'s', report: () => load('wrong-credentials'), want: [] },
  ]));

describe('TLS certificate problems', () =>
  run(tlsProblems, [
    {
      name: 'expired and for another name: one finding per reason, with the browser 701',
      report: () => load('bad-cert'),
      want: [
        { code: 'TLS_CERT_EXPIRED', severity: 'error', ids: [PROD.tlsProbe, g(PROD.tls)] },
        { code: 'TLS_CERT_HOSTNAME_MISMATCH', severity: 'error', ids: [PROD.tlsProbe, g(PROD.tls)] },
      ],
    },
    {
      name: 'run with --insecure-tls: the browser passed, still an error',
      report: () => setCheck(load('bad-cert'), g(PROD.tls), { status: 'pass', code: 'OK' }),
      want: [
        { code: 'TLS_CERT_EXPIRED', severity: 'error', ids: [PROD.tlsProbe] },
        { code: 'TLS_CERT_HOSTNAME_MISMATCH', severity: 'error', ids: [PROD.tlsProbe] },
      ],
    },
    {
      name: 'self-signed lab certificate; the auth failure on that URL is not cited',
      // The lab runs with --ca-file (the TLS probe then trusts it); without, the probe reports self-signed.
      report: () =>
        setCheck(load('wrong-credentials'), 'tls-handshake:198.18.0.1:5349', {
          status: 'fail',
          code: 'TLS_CERT_SELF_SIGNED',
          details: { ...check(load('wrong-credentials'), 'tls-handshake:198.18.0.1:5349').details, problems: ['TLS_CERT_SELF_SIGNED'], trusted: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
        }),
      want: [{ code: 'TLS_CERT_SELF_SIGNED', severity: 'error', ids: ['tls-handshake:198.18.0.1:5349'], notIds: [ta(LAB.tls)] }],
    },
    {
      name: 'incomplete chain, untrusted, not yet valid',
      report: () => setCheck(load('bad-cert'), PROD.tlsProbe, { code: 'TLS_CERT_INCOMPLETE_CHAIN', details: { problems: ['TLS_CERT_INCOMPLETE_CHAIN', 'TLS_CERT_UNTRUSTED', 'TLS_CERT_NOT_YET_VALID'] } }),
      want: [
        { code: 'TLS_CERT_INCOMPLETE_CHAIN', ids: [PROD.tlsProbe] },
        { code: 'TLS_CERT_UNTRUSTED', ids: [PROD.tlsProbe] },
        { code: 'TLS_CERT_NOT_YET_VALID', ids: [PROD.tlsProbe] },
      ],
    },
    {
      name: 'turns: at a plain TCP port: TLS_HANDSHAKE_FAILED that says the port speaks plain STUN/TURN',
      report: () =>
        setCheck(
          setCheck(load('healthy'), PROD.tlsProbe, { status: 'fail', code: 'TLS_HANDSHAKE_FAILED', details: { problems: [], tcpConnected: true, tcpConnectMs: 12, portSpeaks: 'stun' } }),
          g(PROD.tls),
          { status: 'fail', code: 'GATHER_TIMEOUT', details: { ended: 'timeout', errors: [] } },
        ),
      want: [{ code: 'TLS_HANDSHAKE_FAILED', severity: 'error', ids: [PROD.tlsProbe, g(PROD.tls)] }],
    },
    {
      name: 'the TLS probe trusts the certificate (--ca-file), the browser refused it, and could not be given the CA: TLS_CERT_REJECTED that says so',
      report: () => {
        const r = setCheck(load('healthy'), g(PROD.tls), { status: 'fail', code: 'TLS_CERT_REJECTED' });
        r.environment.browser = { name: 'chromium', version: '156', caTrust: { status: 'unavailable', reason: 'certutil not found' } };
        return r;
      },
      want: [{ code: 'TLS_CERT_REJECTED', severity: 'error', ids: [PROD.tlsProbe, g(PROD.tls)] }],
    },
    {
      name: 'turn:?transport=tcp at a TLS-only port: PORT_SPEAKS_TLS',
      report: () =>
        setCheck(
          setCheck(load('healthy'), ta(PROD.tcp), { status: 'fail', code: 'PORT_SPEAKS_TLS', details: { address: '198.18.0.1', port: 3478, tcpConnected: true, portSpeaks: 'tls' } }),
          g(PROD.tcp),
          { status: 'fail', code: 'GATHER_TIMEOUT', details: { ended: 'timeout', errors: [] } },
        ),
      want: [{ code: 'PORT_SPEAKS_TLS', severity: 'error', ids: [ta(PROD.tcp), g(PROD.tcp)] }],
    },
    { name: 'embedded loopback server: informational', report: () => load('embedded'), want: [{ code: 'TLS_CERT_SELF_SIGNED', severity: 'info', ids: ['tls-handshake:127.0.0.1:41235'] }] },
    {
      name: 'TCP connects, TLS does not',
      report: () => setCheck(setCheck(load('healthy'), PROD.tlsProbe, { status: 'fail', code: 'TLS_HANDSHAKE_FAILED', details: { problems: [] } }), ta(PROD.tls), { status: 'fail', code: 'TLS_HANDSHAKE_FAILED' }),
      want: [{ code: 'TLS_HANDSHAKE_FAILED', ids: [PROD.tlsProbe, ta(PROD.tls)] }],
    },
    {
      name: 'browser 701 on turns: and no TLS probe ran',
      report: () => dropChecks(load('bad-cert'), (c) => c.kind === 'tls-handshake'),
      want: [{ code: 'TLS_CERT_REJECTED', ids: [g(PROD.tls)] }],
    },
    { name: 'valid certificate', report: () => load('healthy'), want: [] },
    { name: 'server down: a refused TLS probe is not a certificate problem', report: () => load('turn-down'), want: [] },
  ]));

describe('UDP_BLOCKED', () =>
  run(udpBlocked, [
    {
      name: 'UDP silent in browser and Node, TCP/TLS work; the STUN-only second address is folded in',
      report: () => load('udp-blocked'),
      want: [{ code: 'UDP_BLOCKED', severity: 'warn', ids: [g(LAB.udp), ta(LAB.udp), sb(LAB.stunA), sb(LAB.stunB), g(LAB.stunB), ta(LAB.tcp)] }],
    },
    { name: 'only 443 open: UDP blocked too', report: () => load('tcp-443-only'), want: [{ code: 'UDP_BLOCKED', ids: [ta(LAB.udp), ta(LAB.tls443)] }] },
    { name: 'Node view only', report: () => dropChecks(load('udp-blocked'), (c) => c.kind === 'gather'), want: [{ code: 'UDP_BLOCKED', ids: [ta(LAB.udp), ta(LAB.tcp)] }] },
    { name: 'server down (refused everywhere)', report: () => load('turn-down'), want: [] },
    { name: 'wrong credentials: UDP answered 401', report: () => load('wrong-credentials'), want: [] },
    { name: 'everything works', report: () => load('cone-nat'), want: [] },
    {
      name: 'UDP refused (nothing listens) while TCP works is not a blocked network',
      report: () => {
        const r = load('udp-blocked');
        for (const u of [LAB.stunA, LAB.stunB]) setCheck(r, sb(u), refused);
        return setCheck(r, ta(LAB.udp), refused);
      },
      want: [],
    },
    {
      name: 'no TCP/TLS evidence: cannot tell blocked from down',
      report: () => dropChecks(load('udp-blocked'), (c) => c.transport === 'tcp' || c.transport === 'tls'),
      want: [],
    },
  ]));

describe('TCP_BLOCKED', () =>
  run(tcpBlocked, [
    {
      name: 'TCP 3478 and TLS 443 silent, UDP works',
      report: () => load('tcp-blocked'),
      want: [{ code: 'TCP_BLOCKED', severity: 'warn', ids: [ta(PROD.tcp), ta(PROD.tls), PROD.tlsProbe, ta(PROD.udp)] }],
    },
    { name: 'UDP blocked instead', report: () => load('udp-blocked'), want: [] },
    { name: 'only 443 open (that finding covers the TCP timeouts)', report: () => load('tcp-443-only'), want: [] },
    { name: 'healthy', report: () => load('healthy'), want: [] },
  ]));

describe('ONLY_443_OPEN', () =>
  run(only443Open, [
    { name: 'only TURNS on 443 works', report: () => load('tcp-443-only'), want: [{ code: 'ONLY_443_OPEN', severity: 'warn', ids: [ta(LAB.tcp), ta(LAB.tls443)] }] },
    { name: 'UDP blocked, TCP 3478 works', report: () => load('udp-blocked'), want: [] },
    { name: 'healthy, with turns on 443', report: () => load('healthy'), want: [] },
    { name: 'TCP 3478 refused (not a firewall)', report: () => setCheck(load('tcp-443-only'), ta(LAB.tcp), refused), want: [] },
  ]));

describe('SERVER_UNREACHABLE', () =>
  run(serverUnreachable, [
    {
      name: 'nothing listens anywhere (both addresses)',
      report: () => load('turn-down'),
      want: [{ code: 'SERVER_UNREACHABLE', severity: 'error', ids: [ta(LAB.udp), ta(LAB.tcp), ta(LAB.tls), 'tls-handshake:198.18.0.1:5349', sb(LAB.stunB), g(LAB.tcp)] }],
    },
    {
      name: 'all traffic dropped (timeouts everywhere)',
      report: () => {
        const r = load('turn-down');
        for (const c of r.checks) if (c.code === 'CONNECTION_REFUSED') Object.assign(c, timeout);
        return r;
      },
      want: [{ code: 'SERVER_UNREACHABLE', ids: [ta(LAB.udp), ta(LAB.tcp)] }],
    },
    {
      name: 'browser-only view',
      report: () => dropChecks(load('turn-down'), (c) => ['stun-binding', 'turn-allocate', 'tls-handshake'].includes(c.kind)),
      want: [{ code: 'SERVER_UNREACHABLE', ids: [g(LAB.udp), g(LAB.tcp)] }],
    },
    {
      name: 'TCP connected, TLS and plain STUN did not (TCP open, no TLS / speaks TLS): the server is not "unreachable"',
      report: () => {
        const r = dropChecks(load('healthy'), (c) => c.target === PROD.stun || c.target === PROD.udp || c.id.startsWith('call:'));
        r.servers = r.servers.filter((s) => s.url === PROD.tcp || s.url === PROD.tls);
        const gt = { status: 'fail', code: 'GATHER_TIMEOUT', details: { ended: 'timeout', errors: [] } } as const;
        setCheck(r, PROD.tlsProbe, { status: 'fail', code: 'TLS_HANDSHAKE_FAILED', details: { tcpConnected: true, tcpConnectMs: 3, portSpeaks: 'stun' } });
        setCheck(r, ta(PROD.tls), { status: 'fail', code: 'TLS_HANDSHAKE_FAILED', details: { tcpConnected: true, tcpConnectMs: 3 } });
        setCheck(r, ta(PROD.tcp), { status: 'fail', code: 'PORT_SPEAKS_TLS', details: { tcpConnected: true, portSpeaks: 'tls' } });
        setCheck(setCheck(r, g(PROD.tls), gt), g(PROD.tcp), gt);
        return r;
      },
      want: [],
    },
    { name: 'UDP blocked: the STUN-only address is not "down"', report: () => load('udp-blocked'), want: [] },
    { name: 'only 443 open', report: () => load('tcp-443-only'), want: [] },
    { name: 'wrong credentials: the server answered', report: () => load('wrong-credentials'), want: [] },
    { name: 'DNS failure explains it', report: () => load('dns-failure'), want: [] },
    {
      name: 'UDP refused at a STUN-only second address while the first works',
      report: () => setCheck(setCheck(load('cone-nat'), sb(LAB.stunB), refused), g(LAB.stunB), gatherTimeout),
      want: [{ code: 'SERVER_UNREACHABLE', ids: [sb(LAB.stunB)], notIds: [sb(LAB.stunA)] }],
    },
  ]));

describe('PORT_UNREACHABLE', () =>
  run(portUnreachable, [
    {
      name: 'TLS port refused while UDP/TCP work',
      report: () => setCheck(setCheck(setCheck(load('healthy'), ta(PROD.tls), refused), PROD.tlsProbe, refused), g(PROD.tls), { status: 'fail', code: 'TLS_CERT_REJECTED' }),
      want: [{ code: 'PORT_UNREACHABLE', severity: 'error', ids: [ta(PROD.tls), PROD.tlsProbe, g(PROD.tls)] }],
    },
    {
      name: 'TLS port silent while UDP/TCP work',
      report: () => setCheck(setCheck(setCheck(load('healthy'), ta(PROD.tls), timeout), PROD.tlsProbe, timeout), g(PROD.tls), gatherTimeout),
      want: [{ code: 'PORT_UNREACHABLE', severity: 'warn', ids: [ta(PROD.tls)] }],
    },
    { name: 'UDP_BLOCKED subsumes the UDP timeouts', report: () => load('udp-blocked'), want: [] },
    { name: 'ONLY_443_OPEN subsumes the TCP timeouts', report: () => load('tcp-443-only'), want: [] },
    { name: 'TCP_BLOCKED subsumes them', report: () => load('tcp-blocked'), want: [] },
    { name: 'healthy', report: () => load('healthy'), want: [] },
  ]));

describe('NO_RELAY_CANDIDATE', () =>
  run(noRelayCandidate, [
    { name: 'wrong credentials', report: () => load('wrong-credentials'), want: [{ code: 'NO_RELAY_CANDIDATE', severity: 'error', ids: [g(LAB.udp), g(LAB.tcp), g(LAB.tls)] }] },
    { name: 'server down', report: () => load('turn-down'), want: [{ code: 'NO_RELAY_CANDIDATE', ids: [g(LAB.udp)] }] },
    { name: 'UDP blocked, TCP/TLS relay works', report: () => load('udp-blocked'), want: [] },
    { name: 'only 443 open, TLS relay works', report: () => load('tcp-443-only'), want: [] },
    { name: 'no TURN configured (another finding)', report: () => load('stun-only'), want: [] },
    { name: 'no browser view', report: () => dropChecks(load('wrong-credentials'), (c) => c.kind === 'gather'), want: [] },
  ]));

describe('SYMMETRIC_NAT', () =>
  run(symmetricNat, [
    { name: 'gather:all srflx ports differ per destination', report: () => load('symmetric-nat'), want: [{ code: 'SYMMETRIC_NAT', severity: 'warn', ids: ['gather:all'] }] },
    {
      name: 'from the candidates alone (older gather:all code)',
      report: () => setCheck(load('symmetric-nat'), 'gather:all', { status: 'pass', code: 'OK' }),
      want: [{ code: 'SYMMETRIC_NAT', ids: ['gather:all'] }],
    },
    {
      name: 'from an RFC 5780 nat check',
      report: () => {
        const r = load('cone-nat');
        r.checks.push({ id: 'nat:198.18.0.1:3478', kind: 'nat', target: 'stun:198.18.0.1:3478', transport: 'udp', status: 'warn', code: 'ADDRESS_DEPENDENT_MAPPING', durationMs: 820, details: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' } });
        return r;
      },
      want: [{ code: 'SYMMETRIC_NAT', ids: ['nat:198.18.0.1:3478'], notIds: ['gather:all'] }],
    },
    { name: 'cone NAT: same mapping for every server', report: () => load('cone-nat'), want: [] },
    { name: 'no gather:all (one STUN destination)', report: () => load('healthy'), want: [] },
    { name: 'nobody answered gather:all', report: () => load('udp-blocked'), want: [] },
  ]));

describe('RELAY_REQUIRED', () =>
  run(relayRequired, [
    { name: 'symmetric NAT, relay works', report: () => load('symmetric-nat'), want: [{ code: 'RELAY_REQUIRED', severity: 'info', ids: ['gather:all'] }] },
    { name: 'the call with every server used a relay pair', report: () => load('relay-selected'), want: [{ code: 'RELAY_REQUIRED', severity: 'info', ids: ['call:all'] }] },
    {
      name: 'symmetric NAT and no relay works',
      report: () => {
        const r = load('symmetric-nat');
        for (const u of [LAB.udp, LAB.tcp, LAB.tls]) setCheck(setCheck(r, g(u), { status: 'fail', code: 'TURN_AUTH_FAILED' }), ta(u), { status: 'fail', code: 'TURN_AUTH_FAILED' });
        for (const t of ['udp', 'tcp', 'tls']) setCheck(r, `call:relay/${t}`, { status: 'skip', code: 'SKIPPED' });
        return r;
      },
      want: [{ code: 'RELAY_REQUIRED', severity: 'error', ids: ['gather:all', g(LAB.udp)] }],
    },
    { name: 'cone NAT, direct pair', report: () => load('cone-nat'), want: [] },
    { name: 'embedded loopback: a relay pair there says nothing about the network', report: () => load('embedded'), want: [] },
    { name: 'healthy, host pair', report: () => load('healthy'), want: [] },
  ]));

describe('RELAY_CALL_FAILED / CALL_FAILED', () =>
  run(callFailures, [
    { name: 'relay call over UDP failed at ICE', report: () => load('relay-call-failed'), want: [{ code: 'RELAY_CALL_FAILED', severity: 'error', ids: ['call:relay/udp', g(PROD.udp)], notIds: ['call:all'] }] },
    {
      name: 'every call failed: call:all joins the first relay finding',
      report: () => {
        const r = load('relay-call-failed');
        const failed = check(r, 'call:relay/udp');
        for (const t of ['tcp', 'tls']) setCheck(r, `call:relay/${t}`, { status: 'fail', code: 'RELAY_CALL_FAILED', details: { ...failed.details } });
        return setCheck(r, 'call:all', { status: 'fail', code: 'CALL_FAILED', details: { failedPhase: 'ice', reason: 'ICE failed' } });
      },
      want: [
        { code: 'RELAY_CALL_FAILED', ids: ['call:relay/udp', 'call:all'] },
        { code: 'RELAY_CALL_FAILED', ids: ['call:relay/tcp'], notIds: ['call:all'] },
        { code: 'RELAY_CALL_FAILED', ids: ['call:relay/tls'] },
      ],
    },
    {
      name: 'only the call with every server failed',
      report: () => setCheck(load('healthy'), 'call:all', { status: 'fail', code: 'CALL_FAILED', details: { failedPhase: 'signaling', reason: 'relay closed' } }),
      want: [{ code: 'CALL_FAILED', ids: ['call:all'] }],
    },
    { name: 'skipped calls are not failures', report: () => load('udp-blocked'), want: [] },
    { name: 'healthy', report: () => load('healthy'), want: [] },
  ]));

describe('SLOW_SETUP', () =>
  run(slowSetup, [
    { name: 'TLS and UDP relay calls over 2 s', report: () => load('slow-setup'), want: [{ code: 'SLOW_SETUP', severity: 'warn', ids: ['call:relay/tls', 'call:relay/udp'], notIds: ['call:relay/tcp'] }] },
    { name: 'threshold raised', report: () => load('slow-setup'), options: { slowSetupMs: 5_000 }, want: [] },
    { name: 'threshold lowered', report: () => load('healthy'), options: { slowSetupMs: 200 }, want: [{ code: 'SLOW_SETUP', ids: ['call:relay/tls'], notIds: ['call:relay/udp'] }] },
    { name: 'healthy', report: () => load('healthy'), want: [] },
    { name: 'failed calls have no setup time', report: () => load('relay-call-failed'), want: [] },
  ]));

describe('LOW_THROUGHPUT', () =>
  run(lowThroughput, [
    { name: '4 Mbit/s rate limit', report: () => load('rate-limited'), want: [{ code: 'LOW_THROUGHPUT', severity: 'warn', ids: ['call:relay/udp', 'call:relay/tcp', 'call:relay/tls'], notIds: ['call:all'] }] },
    { name: 'threshold lowered below the rate', report: () => load('rate-limited'), options: { lowThroughputBps: 1_000_000 }, want: [] },
    {
      name: 'the call check\'s own LOW_THROUGHPUT code counts when no number was kept',
      report: () => {
        const r = load('healthy');
        r.calls = (r.calls ?? []).filter((c) => c.checkId !== 'call:relay/tcp');
        return setCheck(r, 'call:relay/tcp', { status: 'warn', code: 'LOW_THROUGHPUT', details: {} });
      },
      want: [{ code: 'LOW_THROUGHPUT', ids: ['call:relay/tcp'] }],
    },
    {
      // Lab CI, rate-limited-20, TURN/TCP: 1.8 Mbit/s delivered while the link carried 17: DATA_CHANNEL_STALLED's cause, not a slow link.
      name: 'a meltdown on a fast link is not low throughput',
      report: () => withSeries('call:relay/tcp', flat(16, 17), [15, 12, 14, 17, 4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 3]),
      want: [],
    },
    // Recorded (see DATA_CHANNEL_STALLED): 2.4 Mbit/s delivered, the link carried 15.5.
    { name: 'a recorded meltdown on a 20 Mbit/s link is not low throughput', report: () => load('meltdown-tcp'), want: [] },
    {
      name: 'a meltdown on a slow link still is (its link carried 3 Mbit/s)',
      report: () => withSeries('call:relay/tcp', flat(14, 3), [2, 1.5, 1.2, 1.2, 1.2, 1.1, 1.2, 1.3, 1.2, 1.1, 1.2, 1.3, 1.2, 1.2]),
      want: [{ code: 'LOW_THROUGHPUT', ids: ['call:relay/tcp'], notIds: ['call:relay/udp', 'call:relay/tls'] }],
    },
    { name: 'healthy', report: () => load('healthy'), want: [] },
  ]));

/**
 * The healthy report with one call's receive series replaced: transport and application Mbit/s per
 * 250 ms interval (the first 4 intervals are the warm-up), and the headline recomputed the way
 * calls.ts does it (the mean of the application's steady intervals) so the rule sees a consistent call.
 */
function withSeries(callCheckId: string, transport: number[], app: number[]): Report {
  const r = load('healthy');
  const call = r.calls?.find((c) => c.checkId === callCheckId);
  if (!call?.throughput) throw new Error(`fixture: no throughput for ${callCheckId}`);
  const receivedSamples = transport.map((m, i) => ({ atMs: 250 * (i + 1), bitsPerSecond: m * 1e6, packetsPerSecond: 0, reverseBitsPerSecond: 0, reversePacketsPerSecond: 0, appBitsPerSecond: (app[i] ?? 0) * 1e6 }));
  const steady = app.slice(4, Math.max(4, app.length - [...app].reverse().findIndex((x) => x > 0)));
  call.throughput = { ...call.throughput, receivedSamples, bitsPerSecond: Math.round((steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length)) * 1e6) };
  return r;
}
const flat = (n: number, m: number) => Array<number>(n).fill(m);

describe('DATA_CHANNEL_STALLED', () =>
  run(dataChannelStalled, [
    {
      // Lab, rate-limited-20, TURN/TCP: the transport kept receiving 17 Mbit/s, the application got nothing for 0.75 s.
      name: 'TURN/TCP meltdown: 0.75 s without delivery on a busy link',
      report: () => withSeries('call:relay/tcp', flat(14, 17), [15, 12, 14, 17, 17, 17, 0.2, 0, 0, 30, 17, 17, 17, 17]),
      want: [{ code: 'DATA_CHANNEL_STALLED', severity: 'warn', ids: ['call:relay/tcp'], notIds: ['call:relay/udp', 'call:relay/tls'] }],
    },
    {
      // Recorded: lab rate-limited-20 (tbf 20 Mbit/s, 25 ms queue), TURN/TCP delivered 2.4 Mbit/s while its transport received 15.5.
      name: 'recorded TURN/TCP meltdown (fixtures/diagnosis/meltdown-tcp.json)',
      report: () => load('meltdown-tcp'),
      want: [{ code: 'DATA_CHANNEL_STALLED', severity: 'warn', ids: ['call:relay/tcp'], notIds: ['call:relay/udp', 'call:relay/tls'] }],
    },
    { name: 'one stalled interval (a single retransmission round) is ordinary', report: () => withSeries('call:relay/tcp', flat(14, 17), [15, 12, 14, 17, 17, 17, 0, 34, 17, 17, 17, 17, 17, 17]), want: [] },
    {
      // Loopback on a busy CPU: transport and application slow down together.
      name: 'a CPU-bound slowdown is not a stall',
      report: () => withSeries('call:relay/udp', [60, 60, 60, 60, 60, 5, 4, 5, 60, 60, 60, 60], [58, 58, 58, 58, 58, 0.1, 0.1, 0.1, 58, 58, 58, 58]),
      want: [],
    },
    {
      // The caller has stopped; END waits behind retransmissions of delivered data: no data was held up.
      name: 'the wait for END after the last delivery is not a stall',
      report: () => withSeries('call:relay/tls', flat(14, 3.3), [3.1, 3.2, 3.3, 3.3, 3.3, 3.3, 3.3, 3.3, 0, 0, 0, 0, 0, 0]),
      want: [],
    },
    { name: 'healthy', report: () => load('healthy'), want: [] },
  ]));

describe('DATA_CHANNEL_RETRANSMITTING', () =>
  run(dataChannelRetransmitting, [
    {
      // Lab CI, rate-limited-20, TURN/TCP: the link full at 17 Mbit/s, the application getting 9 throughout, no quiet interval.
      name: 'TURN/TCP meltdown without a stall: the link carried 1.9x what was delivered',
      report: () => withSeries('call:relay/tcp', flat(14, 17), [12, 10, 9, 9, 9.5, 8.5, 9, 9, 9.5, 8.5, 9, 9, 9, 9]),
      want: [{ code: 'DATA_CHANNEL_RETRANSMITTING', severity: 'warn', ids: ['call:relay/tcp'], notIds: ['call:relay/udp', 'call:relay/tls'] }],
    },
    {
      name: 'over UDP too (acknowledgements queued past the retransmission timer)',
      report: () => withSeries('call:relay/udp', flat(14, 20), [15, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12]),
      want: [{ code: 'DATA_CHANNEL_RETRANSMITTING', ids: ['call:relay/udp'], notIds: ['call:relay/tcp', 'call:relay/tls'] }],
    },
    // Framing: DTLS, SCTP and TURN headers on top of the payload (loopback TLS read 1.19x).
    { name: 'a healthy transfer\'s framing overhead (1.2x) is not retransmission', report: () => withSeries('call:relay/tls', flat(14, 20.2), flat(14, 17)), want: [] },
    {
      // Lab, rate-limited-20, TURN/TLS: 11.7 Mbit/s delivered at 1.41x on a link that delivers 17; one 250 ms dip, no stall.
      name: 'a partial meltdown at 1.4x',
      report: () => withSeries('call:relay/tls', flat(14, 16.8), [14, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12]),
      want: [{ code: 'DATA_CHANNEL_RETRANSMITTING', ids: ['call:relay/tls'], notIds: ['call:relay/udp', 'call:relay/tcp'] }],
    },
    {
      // The stall is DATA_CHANNEL_STALLED's finding; the same call is not explained twice.
      name: 'a call that stalled is not cited again',
      report: () => withSeries('call:relay/tcp', flat(14, 17), [15, 12, 14, 17, 9, 9, 0.2, 0, 0, 9, 9, 9, 9, 9]),
      want: [],
    },
    {
      // The caller has stopped; END waits behind retransmissions of delivered data: not the headline's time.
      name: 'the busy wait for END after the last delivery is not counted',
      report: () => withSeries('call:relay/tls', flat(14, 3.6), [3.1, 3.2, 3.3, 3.3, 3.3, 3.3, 3.3, 3.3, 0, 0, 0, 0, 0, 0]),
      want: [],
    },
    {
      name: 'fewer than three steady intervals say nothing',
      report: () => withSeries('call:relay/tcp', flat(6, 17), [12, 10, 9, 9, 9, 9]),
      want: [],
    },
    { name: 'healthy', report: () => load('healthy'), want: [] },
    { name: 'lab: rate-limited (4 Mbit/s)', report: () => load('rate-limited'), want: [] },
    { name: 'a recorded stall is DATA_CHANNEL_STALLED\'s alone', report: () => load('meltdown-tcp'), want: [] },
  ]));

describe('PACKET_LOSS', () =>
  run(packetLoss, [
    { name: 'lab: 5 % random loss each way (path-quality bursts)', report: () => load('lossy'), want: [{ code: 'PACKET_LOSS', severity: 'warn', ids: ['path-quality:stun:198.18.0.1:3478'] }] },
    { name: 'threshold raised above the loss', report: () => load('lossy'), options: { packetLossPercent: 10 }, want: [] },
    {
      name: 'only the lossy burst is cited',
      report: () => setCheck(load('lossy'), 'path-quality:stun:198.18.0.2:3478', { status: 'pass', code: 'OK', details: { sent: 200, received: 200, roundTripLossPercent: 0, oneWayLossPercent: 0 } }),
      want: [{ code: 'PACKET_LOSS', ids: ['path-quality:stun:198.18.0.1:3478'], notIds: ['path-quality:stun:198.18.0.2:3478'] }],
    },
    {
      name: 'no answer at all is not loss (UDP_BLOCKED / SERVER_UNREACHABLE say it)',
      report: () => {
        const r = load('lossy');
        for (const id of ['path-quality:stun:198.18.0.1:3478', 'path-quality:stun:198.18.0.2:3478']) setCheck(r, id, { status: 'fail', code: 'TIMEOUT', details: { sent: 200, received: 0, roundTripLossPercent: 100, oneWayLossPercent: 100 } });
        return r;
      },
      want: [],
    },
    {
      name: 'too few requests to say anything',
      report: () => {
        const r = load('lossy');
        for (const id of ['path-quality:stun:198.18.0.1:3478', 'path-quality:stun:198.18.0.2:3478']) setCheck(r, id, { details: { sent: 10, received: 8, roundTripLossPercent: 20, oneWayLossPercent: 10.6 } });
        return r;
      },
      want: [],
    },
    { name: 'no path-quality checks', report: () => load('healthy'), want: [] },
    { name: 'rate limit without loss', report: () => load('rate-limited'), want: [] },
  ]));

/** healthy.json where Chromium's resolver failed for turn.example.com on the given URLs. */
function browserDnsReport(urls: string[], dnsOk = true): Report {
  const r = load('healthy');
  for (const u of urls) setCheck(r, g(u), { status: 'fail', code: 'BROWSER_DNS_FAILED', details: { errors: [{ errorCode: 701, errorText: 'TURN host lookup received error.' }] } });
  if (!dnsOk) setCheck(r, 'dns:turn.example.com', { status: 'fail', code: 'DNS_NOT_FOUND' });
  return r;
}

describe('BROWSER_DNS_FAILED', () =>
  run(browserDnsFailure, [
    {
      name: 'the browser cannot resolve what this machine resolves: one finding for the host',
      report: () => browserDnsReport([PROD.udp, PROD.tcp, PROD.tls]),
      want: [{ code: 'BROWSER_DNS_FAILED', severity: 'error', ids: [g(PROD.udp), g(PROD.tcp), g(PROD.tls), 'dns:turn.example.com'] }],
    },
    { name: 'the name does not resolve anywhere: DNS_FAILURE speaks', report: () => browserDnsReport([PROD.udp], false), want: [] },
    { name: 'the browser resolved it', report: () => load('healthy'), want: [] },
  ]));

/** healthy.json with an IPv6 twin (`<id>@ipv6`) of every Node probe of turn.example.com, with the given outcome per id. */
function dualStackReport(outcome: (primaryId: string) => Partial<Check> = () => ({})): Report {
  const r = load('healthy');
  const nodeKinds = new Set(['stun-binding', 'turn-allocate', 'tls-handshake']);
  const twins = r.checks
    .filter((c) => nodeKinds.has(c.kind))
    .map((c) => {
      const o = outcome(c.id);
      // The twin's details always name its host and address, whatever the outcome adds.
      return { ...c, ...o, id: `${c.id}@ipv6`, details: { ...c.details, ...o.details, family: 6, host: 'turn.example.com', address: '2001:db8::1' } };
    });
  r.checks.push(...twins);
  return r;
}
const v6 = (id: string) => `${id}@ipv6`;

describe('IPV6_PATH_BROKEN / DUAL_STACK_MISMATCH', () =>
  run(dualStack, [
    { name: 'both families answer alike', report: () => dualStackReport(), want: [] },
    { name: 'no dual-stack host (no twins)', report: () => load('healthy'), want: [] },
    {
      name: 'IPv6 silent on every transport, IPv4 fine: one finding for the host',
      report: () => dualStackReport((id) => (id.startsWith('tls-handshake') ? { status: 'fail', code: 'TLS_HANDSHAKE_FAILED' } : timeout)),
      want: [{ code: 'IPV6_PATH_BROKEN', severity: 'warn', ids: [v6(ta(PROD.udp)), v6(ta(PROD.tcp)), v6(PROD.tlsProbe), ta(PROD.udp)] }],
    },
    {
      name: 'the browser\'s gathering for the host never completed: cited as the same stall',
      report: () => {
        const r = dualStackReport((id) => (id.startsWith('tls-handshake') ? {} : timeout));
        const gather = check(r, g(PROD.udp));
        gather.details = { ...gather.details, ended: 'timeout' };
        return r;
      },
      want: [{ code: 'IPV6_PATH_BROKEN', ids: [v6(ta(PROD.udp)), g(PROD.udp)], notIds: [g(PROD.tcp)] }],
    },
    {
      name: 'IPv6 refused on UDP only',
      report: () => dualStackReport((id) => (id === ta(PROD.udp) ? refused : {})),
      want: [{ code: 'IPV6_PATH_BROKEN', ids: [v6(ta(PROD.udp)), ta(PROD.udp)], notIds: [v6(ta(PROD.tcp))] }],
    },
    {
      name: 'IPv4 broken too: the reachability rules speak, not this one',
      report: () => {
        const r = dualStackReport(() => timeout);
        setCheck(r, ta(PROD.udp), timeout);
        return r;
      },
      want: [{ code: 'IPV6_PATH_BROKEN', notIds: [v6(ta(PROD.udp))] }],
    },
    {
      name: 'IPv6 answers with another auth verdict: another server behind the AAAA (error)',
      report: () => dualStackReport((id) => (id.startsWith('turn-allocate') ? { status: 'fail', code: 'TURN_AUTH_FAILED' } : {})),
      want: [{ code: 'DUAL_STACK_MISMATCH', severity: 'error', ids: [v6(ta(PROD.udp)), ta(PROD.udp)] }],
    },
    {
      name: 'only IPv6 works (warn: IPv4 clients are told by the reachability rules)',
      report: () => {
        const r = dualStackReport();
        setCheck(r, ta(PROD.udp), timeout);
        return r;
      },
      want: [{ code: 'DUAL_STACK_MISMATCH', severity: 'warn', ids: [v6(ta(PROD.udp))] }],
    },
    {
      name: 'no IPv6 route from this machine: nothing to say about the server',
      report: () => dualStackReport(() => ({ status: 'skip', code: 'SKIPPED_NO_IPV6_ROUTE' })),
      want: [],
    },
  ]));

describe('RUN_INTERRUPTED / INTERNAL_ERROR', () =>
  run(runProblems, [
    { name: 'partial report', report: () => Object.assign(load('healthy'), { partial: true }), want: [{ code: 'RUN_INTERRUPTED', severity: 'warn' }] },
    { name: 'a check failed internally', report: () => setCheck(load('healthy'), g(PROD.udp), { status: 'fail', code: 'INTERNAL_ERROR' }), want: [{ code: 'INTERNAL_ERROR', ids: [g(PROD.udp)] }] },
    { name: 'complete run', report: () => load('healthy'), want: [] },
  ]));
