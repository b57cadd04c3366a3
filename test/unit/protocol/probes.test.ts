/** Pure parts of the probes: port policy, DNS outcomes (fake resolver), TLS classification. */
import { describe, expect, it } from 'vitest';
import type { ServerSpec } from '../../../src/config/config.js';
import { ProtocolCode, browserAllowsTurnPort, classifyTls, configChecks, runProtocolProbes, resolveHost, type Resolver } from '../../../src/probes-node/index.js';
import { parseIceUri } from '../../../src/core/uri.js';

const spec = (url: string): ServerSpec => {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username: 'u', credential: 'password', credentialSource: 'given', origin: 'test' };
};
const codeOf = (checks: { id: string; code: string }[], id: string) => checks.find((c) => c.id === id)?.code;

describe('port policy (config checks)', () => {
  it('Chromium TURN ports: 53, 80, 443 and >= 1024', () => {
    for (const p of [53, 80, 443, 1024, 3478, 65535]) expect(browserAllowsTurnPort(p)).toBe(true);
    for (const p of [1, 22, 25, 79, 81, 442, 444, 1023]) expect(browserAllowsTurnPort(p)).toBe(false);
  });
  it('flags blocked ports, turns: off 443, and UDP-only TURN', () => {
    const checks = configChecks([spec('turn:turn.example.com:22'), spec('turns:turn.example.com:5349'), spec('stun:stun.example.com')]);
    expect(codeOf(checks, 'config:port-policy:turn:turn.example.com:22?transport=udp')).toBe(ProtocolCode.PORT_BLOCKED_BY_BROWSER);
    expect(codeOf(checks, 'config:turns-port:turns:turn.example.com:5349?transport=tcp')).toBe(ProtocolCode.TURNS_NOT_ON_443);
    expect(codeOf(checks, 'config:tcp-tls-relay')).toBe('OK');
    expect(codeOf(configChecks([spec('turn:turn.example.com:3478')]), 'config:tcp-tls-relay')).toBe(ProtocolCode.NO_TCP_TLS_RELAY);
    expect(codeOf(configChecks([spec('turns:turn.example.com:443')]), 'config:turns-port:turns:turn.example.com:443?transport=tcp')).toBe('OK');
    const none = configChecks([spec('stun:stun.example.com')]);
    expect(codeOf(none, 'config:turn')).toBe(ProtocolCode.NO_TURN_CONFIGURED);
    expect(none.find((c) => c.id === 'config:turn')?.status).toBe('warn');
  });
});

const fakeResolver = (table: Record<string, { 4?: string[] | string; 6?: string[] | string }>): Resolver => ({
  async lookup(host, family) {
    const v = table[host]?.[family];
    if (v === undefined || typeof v === 'string') throw Object.assign(new Error('dns'), { code: v ?? 'ENOTFOUND' });
    return v;
  },
});

describe('DNS', () => {
  const now = () => 0;
  it('IP literals need no lookup', async () => {
    const r = await resolveHost('198.18.0.1', fakeResolver({}), 100, now);
    expect(r).toMatchObject({ code: 'OK', address: '198.18.0.1', v4: ['198.18.0.1'] });
  });
  it('A and AAAA are both reported; IPv4 is preferred to connect', async () => {
    const r = await resolveHost('turn.example.com', fakeResolver({ 'turn.example.com': { 4: ['198.18.0.1'], 6: ['2001:db8::1'] } }), 100, now);
    expect(r).toMatchObject({ code: 'OK', address: '198.18.0.1', v4: ['198.18.0.1'], v6: ['2001:db8::1'] });
  });
  it('AAAA only still resolves', async () => {
    const r = await resolveHost('v6.example.com', fakeResolver({ 'v6.example.com': { 4: 'ENODATA', 6: ['2001:db8::2'] } }), 100, now);
    expect(r).toMatchObject({ code: 'OK', address: '2001:db8::2' });
  });
  it('NXDOMAIN → DNS_NOT_FOUND; SERVFAIL → DNS_ERROR; a hung resolver → DNS_ERROR within the bound', async () => {
    expect((await resolveHost('nope.test', fakeResolver({}), 100, now)).code).toBe(ProtocolCode.DNS_NOT_FOUND);
    expect((await resolveHost('flaky.test', fakeResolver({ 'flaky.test': { 4: 'EAI_AGAIN', 6: 'EAI_AGAIN' } }), 100, now)).code).toBe(ProtocolCode.DNS_ERROR);
    const hung: Resolver = { lookup: () => new Promise(() => undefined) };
    const r = await resolveHost('hung.test', hung, 20, now);
    expect(r.code).toBe(ProtocolCode.DNS_ERROR);
    expect(r.errors.map((e) => e.code)).toEqual(['ETIMEOUT', 'ETIMEOUT']);
  });
  it('a name that does not resolve: dns check fails, the server probes are skipped', async () => {
    const checks = await runProtocolProbes([spec('turn:nope.test:3478'), spec('stun:nope.test:3478')], { timeoutMs: 200, resolver: fakeResolver({}) });
    expect(codeOf(checks, 'dns:nope.test')).toBe(ProtocolCode.DNS_NOT_FOUND);
    expect(checks.find((c) => c.id === 'dns:nope.test')?.status).toBe('fail');
    expect(codeOf(checks, 'turn-allocate:turn:nope.test:3478?transport=udp')).toBe(ProtocolCode.SKIPPED_DNS);
    expect(codeOf(checks, 'stun-binding:stun:nope.test:3478')).toBe(ProtocolCode.SKIPPED_DNS);
    expect(checks.filter((c) => c.kind === 'dns')).toHaveLength(1);
  });
});

describe('classifyTls', () => {
  const now = Date.UTC(2030, 0, 1);
  const cert = (o: Partial<{ validFrom: string; validTo: string; selfSigned: boolean }> = {}) => ({
    subject: 'CN=x', subjectAltName: [], issuer: 'CN=ca', fingerprint256: 'aa', validFrom: '2029-01-01T00:00:00.000Z', validTo: '2031-01-01T00:00:00.000Z', selfSigned: false, ...o,
  });
  it.each([
    [null, null, [cert()], []],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', null, [cert({ selfSigned: true })], ['TLS_CERT_SELF_SIGNED']],
    ['CERT_HAS_EXPIRED', null, [cert({ validTo: '2029-06-01T00:00:00.000Z' })], ['TLS_CERT_EXPIRED']],
    ['CERT_NOT_YET_VALID', null, [cert({ validFrom: '2030-06-01T00:00:00.000Z' })], ['TLS_CERT_NOT_YET_VALID']],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', null, [cert()], ['TLS_CERT_INCOMPLETE_CHAIN']],
    ['SELF_SIGNED_CERT_IN_CHAIN', null, [cert(), cert(), cert({ selfSigned: true })], ['TLS_CERT_UNTRUSTED']],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', null, [cert(), cert()], ['TLS_CERT_UNTRUSTED']],
    [null, 'ERR_TLS_CERT_ALTNAME_INVALID', [cert()], ['TLS_CERT_HOSTNAME_MISMATCH']],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', [cert({ selfSigned: true, validTo: '2029-06-01T00:00:00.000Z' })], ['TLS_CERT_EXPIRED', 'TLS_CERT_SELF_SIGNED', 'TLS_CERT_HOSTNAME_MISMATCH']],
  ])('%s / %s → %j', (authorizationError, hostnameError, chain, expected) => {
    expect(classifyTls({ authorizationError, hostnameError, chain }, now)).toEqual(expected);
  });
});
