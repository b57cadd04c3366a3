import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../src/core/redact.js';
import { Report, type Check } from '../../../src/core/schema.js';
import { probeCredentials } from '../../../src/services/exporter/credentials.js';
import { render } from '../../../src/services/exporter/exposition.js';
import { boundedCode, earliestCertExpiry, phases, probeFamilies, relayIps } from '../../../src/services/exporter/probe-metrics.js';
import { browserStepMs, nodeStepMs, primaryCheckId, verdict } from '../../../src/services/exporter/probe.js';
import { parseCheckId } from '../../../src/core/ids.js';
import { parseIceUri } from '../../../src/core/uri.js';

const check = (c: Partial<Check> & Pick<Check, 'id' | 'kind' | 'status' | 'code'>): Check => ({ target: 't', transport: 'udp', durationMs: 1, details: {}, ...c });

function report(checks: Check[], extra: Partial<Report> = {}): Report {
  return Report.parse({
    schemaVersion: 1,
    tool: { name: 'iceprobe', version: '0' },
    startedAt: new Date(0).toISOString(),
    durationMs: 5,
    environment: { browser: null, node: 'v20', platform: 'linux-x64' },
    servers: [],
    checks,
    candidates: [],
    findings: [],
    summary: { status: 'pass', passed: 0, warned: 0, failed: 0, skipped: 0 },
    ...extra,
  });
}

const dns = check({ id: 'dns:turn.example.com', kind: 'dns', status: 'pass', code: 'OK', durationMs: 12.5 });
const allocate = check({
  id: 'turn-allocate:turn:turn.example.com:3478?transport=tcp',
  kind: 'turn-allocate',
  status: 'pass',
  code: 'OK',
  transport: 'tcp',
  details: {
    address: '127.0.0.1',
    connectMs: 0.4,
    lifetimeS: 600,
    relayedAddress: '127.0.0.1:50000',
    steps: [
      { step: 'allocate', rttMs: 1.5, sends: 1, outcome: 'error 401' },
      { step: 'allocate-auth', rttMs: 2.5, sends: 1, outcome: 'success' },
      { step: 'refresh', rttMs: 1, sends: 1, outcome: 'success' },
    ],
  },
});
const tls = check({
  id: 'tls-handshake:turn.example.com:5349',
  kind: 'tls-handshake',
  status: 'pass',
  code: 'OK',
  transport: 'tls',
  details: { address: '127.0.0.1', tcpConnectMs: 0.3, handshakeMs: 7, protocol: 'TLSv1.3', chain: [{ validTo: 'Jan  1 00:00:00 2030 GMT' }, { validTo: 'Jun  1 00:00:00 2029 GMT' }] },
});

describe('probe metrics', () => {
  it('gives per-phase durations from the checks\' own timings (allocate = the 401 round trip + the authenticated one)', () => {
    expect(phases(report([dns, allocate, tls]))).toEqual({ dns: 0.0125, connect: 0.0004, tls: 0.007, allocate: 0.004, refresh: 0.001 });
  });

  it('names the relay IP without its port, and the earliest certificate expiry of the chain', () => {
    const r = report([allocate, tls], { candidates: [{ url: 'u', type: 'relay', protocol: 'udp', relayProtocol: 'udp', address: '::1', port: 1, elapsedMs: 1 }] });
    expect(relayIps(r)).toEqual(['127.0.0.1', '::1']);
    expect(earliestCertExpiry(r)).toBe(Date.parse('Jun  1 00:00:00 2029 GMT') / 1000);
  });

  it('writes blackbox-compatible families; probe_failure_info only on failure, with bounded codes', () => {
    const ok = render(probeFamilies({ report: report([dns, allocate]), success: true, failureCodes: [], durationS: 0.25 }));
    expect(ok).toContain('probe_success 1\n');
    expect(ok).toContain('probe_duration_seconds 0.25\n');
    expect(ok).toContain('probe_turn_relay_info{relay_ip="127.0.0.1"} 1\n');
    expect(ok).toContain('probe_phase_duration_seconds{phase="allocate"} 0.004\n');
    expect(ok).not.toContain('probe_failure_info');
    const bad = render(probeFamilies({ report: report([dns]), success: false, failureCodes: ['TURN_AUTH_FAILED', 'made up by someone'], durationS: 1 }));
    expect(bad).toContain('probe_success 0\n');
    expect(bad).toContain('probe_failure_info{code="TURN_AUTH_FAILED"} 1\n');
    expect(bad).toContain('probe_failure_info{code="OTHER"} 1\n');
    expect(boundedCode('CONNECTION_REFUSED')).toBe('CONNECTION_REFUSED');
    expect(boundedCode('BROWSER_UNAVAILABLE')).toBe('BROWSER_UNAVAILABLE');
  });

  it('reports call throughput and RTT from the relay-forced call', () => {
    const call = {
      id: 'relay-udp', checkId: 'call:relay/udp', policy: 'relay' as const, via: [], transport: 'udp' as const, status: 'pass' as const, code: 'OK', failedPhase: null,
      setup: { totalMs: 150, phases: [] }, selectedPair: null, selectedPairChanges: 0, rttMs: { min: 1, median: 2, max: 3 },
      throughput: { bitsPerSecond: 8e6, sentBitsPerSecond: 9e6, goodputBitsPerSecond: 7e6, bytes: 1, durationMs: 1, samples: [] },
    };
    const text = render(probeFamilies({ report: report([check({ id: 'call:relay/udp', kind: 'call', status: 'pass', code: 'OK' })], { calls: [call] }), success: true, failureCodes: [], durationS: 3 }));
    expect(text).toContain('probe_call_throughput_bits_per_second 8000000\n');
    expect(text).toContain('probe_call_rtt_seconds 0.002\n');
    expect(text).toContain('probe_phase_duration_seconds{phase="call_setup"} 0.15\n');
    // A browser module's browser-measured samples name the engine; blackbox's own two do not.
    const ff = render(probeFamilies({ report: report([check({ id: 'call:relay/udp@firefox', kind: 'call', status: 'fail', code: 'RELAY_CALL_FAILED' })], { calls: [{ ...call, id: 'relay-udp@firefox', checkId: 'call:relay/udp@firefox' }] }), success: false, failureCodes: ['RELAY_CALL_FAILED'], durationS: 3, browser: 'firefox' }));
    expect(ff).toContain('probe_call_throughput_bits_per_second{browser="firefox"} 8000000\n');
    expect(ff).toContain('probe_call_rtt_seconds{browser="firefox"} 0.002\n');
    expect(ff).toContain('probe_phase_duration_seconds{phase="call_setup",browser="firefox"} 0.15\n');
    expect(ff).toContain('probe_failure_info{code="RELAY_CALL_FAILED",browser="firefox"} 1\n');
    expect(ff).toContain('probe_success 0\n');
    expect(ff).toContain('probe_duration_seconds 3\n');
  });

  it('labels gather candidates with the engine of a browser module, and nothing of a Node-side one', () => {
    const gather = check({ id: 'gather:turn:h:3478?transport=udp@firefox', kind: 'gather', status: 'pass', code: 'OK', details: { candidates: { host: 2, srflx: 0, prflx: 0, relay: 1 }, firstMs: { relay: 40 } } });
    const text = render(probeFamilies({ report: report([gather]), success: true, failureCodes: [], durationS: 1, browser: 'firefox' }));
    expect(text).toContain('probe_gather_candidates{type="relay",browser="firefox"} 1\n');
    expect(text).not.toMatch(/^probe_gather_candidates\{type="[a-z]+"\}/m);
    const node = render(probeFamilies({ report: report([dns, allocate]), success: true, failureCodes: [], durationS: 1, browser: null }));
    expect(node).not.toContain('browser=');
  });
});

describe('verdict', () => {
  it('succeeds when the module\'s own check answered and nothing failed (config warnings aside)', () => {
    expect(verdict(report([dns, allocate, check({ id: 'config:x', kind: 'config', status: 'fail', code: 'NO_TCP_TLS_RELAY' })]), 'turn')).toEqual({ success: true, failureCodes: [] });
  });
  it('fails with every failing check\'s code', () => {
    const auth = check({ id: 'turn-allocate:x', kind: 'turn-allocate', status: 'fail', code: 'TURN_AUTH_FAILED' });
    const cert = check({ id: 'tls-handshake:x', kind: 'tls-handshake', status: 'fail', code: 'TLS_CERT_EXPIRED' });
    expect(verdict(report([dns, auth, cert]), 'turn')).toEqual({ success: false, failureCodes: ['TURN_AUTH_FAILED', 'TLS_CERT_EXPIRED'] });
  });
  it('fails a skipped primary check with its code, and a cut-short run as TIMEOUT', () => {
    const skipped = check({ id: 'turn-allocate:x', kind: 'turn-allocate', status: 'skip', code: 'TURN_NO_CREDENTIALS' });
    expect(verdict(report([skipped]), 'turn')).toEqual({ success: false, failureCodes: ['TURN_NO_CREDENTIALS'] });
    expect(verdict(report([dns, allocate], { partial: true }), 'turn')).toEqual({ success: false, failureCodes: ['TIMEOUT'] });
    expect(verdict(report([dns]), 'turn').success).toBe(false);
  });
  it('fails a probe whose browser ignored the URL with that code: UNSUPPORTED_BY_BROWSER is not an answer', () => {
    // Firefox and a turns: URL to an IP address (src/browser/gather.ts): a warning in check, nothing tried.
    const ignored = check({ id: 'gather:turns:127.0.0.1:5349?transport=tcp@firefox', kind: 'gather', status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', transport: 'tls', details: { ipLiteralTls: true } });
    expect(verdict(report([ignored]), 'gather')).toEqual({ success: false, failureCodes: ['UNSUPPORTED_BY_BROWSER'] });
    // The call module: its call is skipped for want of a relay candidate; the reason is the gather's.
    const skippedCall = check({ id: 'call:relay/tls@firefox', kind: 'call', status: 'skip', code: 'SKIPPED', transport: 'tls' });
    expect(verdict(report([ignored, skippedCall]), 'call')).toEqual({ success: false, failureCodes: ['UNSUPPORTED_BY_BROWSER'] });
    // A warning about quality is still an answer.
    const slow = check({ id: 'call:relay/udp', kind: 'call', status: 'warn', code: 'SLOW_SETUP' });
    expect(verdict(report([slow]), 'call')).toEqual({ success: true, failureCodes: [] });
  });
  it('names the module\'s own check with the ids every producer uses (src/core/ids.ts)', () => {
    const uri = (u: string) => {
      const p = parseIceUri(u);
      if (!p.ok) throw new Error(p.problem);
      return p.uri;
    };
    const turns = uri('turns:turn.example.com:443?transport=tcp');
    const udp = uri('turn:turn.example.com:3478?transport=udp');
    expect(primaryCheckId({ prober: 'turn', browser: null }, turns)).toBe('turn-allocate:turns:turn.example.com:443?transport=tcp');
    expect(primaryCheckId({ prober: 'tls', browser: null }, turns)).toBe('tls-handshake:turn.example.com:443');
    expect(primaryCheckId({ prober: 'gather', browser: 'chromium' }, udp)).toBe('gather:turn:turn.example.com:3478?transport=udp');
    expect(primaryCheckId({ prober: 'gather', browser: 'firefox' }, udp)).toBe('gather:turn:turn.example.com:3478?transport=udp@firefox');
    expect(primaryCheckId({ prober: 'call', browser: 'firefox' }, turns)).toBe('call:relay/tls@firefox');
    // Each one parses back as the kind its prober makes.
    for (const prober of ['stun', 'turn', 'relay', 'tls', 'gather', 'call'] as const) {
      const id = primaryCheckId({ prober, browser: prober === 'gather' || prober === 'call' ? 'firefox' : null }, prober === 'stun' ? uri('stun:turn.example.com:3478') : turns);
      expect(parseCheckId(id), id).not.toBeNull();
    }
  });
  it('leaves Node-side steps inside the budget: under half each for a name (DNS, then the probe)', () => {
    expect(nodeStepMs('127.0.0.1', 1_000)).toBe(900);
    expect(nodeStepMs('turn.example.com', 1_000)).toBe(450);
    expect(nodeStepMs('::1', 10)).toBe(50);
  });
  it('splits a browser probe\'s budget between its steps', () => {
    expect(browserStepMs('gather', 10_000, 2)).toBe(9_000);
    expect(browserStepMs('call', 20_000, 2)).toBe(8_250);
    expect(browserStepMs('call', 1_000, 2)).toBe(100);
  });
});

describe('credentials per probe', () => {
  it('mints TURN REST credentials per probe and registers every value with the probe\'s secrets', () => {
    const secrets = new Secrets();
    const c = probeCredentials({ type: 'rest', secretEnv: 'S', user: 'probe', ttlSeconds: 600 }, { S: 'the-shared-secret' }, 1_700_000_000_000, secrets);
    expect(c).toMatchObject({ kind: 'given', username: '1700000600:probe', source: 'minted' });
    const password = c.kind === 'given' ? c.password : '';
    expect(secrets.redact(`x the-shared-secret ${password} y`)).toBe('x [redacted] [redacted] y');
  });
  it('reads env credentials at probe time and says which variable is unset, never a value', () => {
    const secrets = new Secrets();
    expect(probeCredentials({ type: 'env', usernameEnv: 'U', passwordEnv: 'P' }, { U: 'user' }, 0, secrets)).toEqual({ kind: 'missing', problem: '$P not set in the exporter\'s environment' });
    const c = probeCredentials({ type: 'env', usernameEnv: 'U', passwordEnv: 'P' }, { U: 'user', P: 'env-password' }, 0, secrets);
    expect(c).toMatchObject({ kind: 'given', username: 'user', password: 'env-password', source: 'env' });
    expect(secrets.redact('env-password')).toBe('[redacted]');
  });
});

describe('relay module metrics', () => {
  it('report how much crossed the relay each way, and its relay IP', () => {
    const reach = check({
      id: 'relay-reach:turn:x',
      kind: 'relay-reach',
      status: 'fail',
      code: 'RELAY_ONE_WAY',
      details: { relayedAddress: '127.0.0.2:40000', inbound: { sent: 3, received: 3 }, outbound: { sent: 3, received: 0 } },
    });
    const r = report([dns, allocate, reach]);
    const text = render(probeFamilies({ report: r, ...verdict(r, 'relay'), durationS: 2 }));
    expect(text).toContain('probe_relay_delivered_ratio{direction="inbound"} 1\n');
    expect(text).toContain('probe_relay_delivered_ratio{direction="outbound"} 0\n');
    expect(text).toContain('probe_failure_info{code="RELAY_ONE_WAY"} 1\n');
    expect(relayIps(r)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(nodeStepMs('127.0.0.1', 8_000, 'relay')).toBe(2_600);
  });
});
