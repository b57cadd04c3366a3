/**
 * RFC 5780 discovery against real coturn on loopback. coturn with two listening IPs does RFC 5780
 * (127.0.0.1 and 127.0.0.2 are both loopback on Linux; ::1 has no second address). There is no
 * NAT on loopback, so the verdict is "no NAT, no filtering"; the lab tier covers real NATs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { runProtocolProbes } from '../../../src/probes-node/index.js';
import { runNatProbe } from '../../../src/probes-node/nat.js';
import { Check } from '../../../src/core/schema.js';
import { parseIceUri, type IceUri } from '../../../src/core/uri.js';

function uri(url: string): IceUri {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return r.uri;
}

describe('nat probe against coturn with RFC 5780 (127.0.0.1 + 127.0.0.2)', () => {
  let c: Coturn;
  beforeAll(async () => {
    c = await startCoturn({ listeningIps: ['127.0.0.1', '127.0.0.2'], tls: null });
  });
  afterAll(async () => {
    await c?.stop();
  });

  test('no NAT on loopback: endpoint-independent mapping and filtering, answers from the other address', async () => {
    const check = await runNatProbe(uri(c.urls.stun), { timeoutMs: 3_000 });
    expect(Check.safeParse(check).success).toBe(true);
    expect(check).toMatchObject({ id: `nat:stun:127.0.0.1:${c.port}`, kind: 'nat', status: 'pass', code: 'OK' });
    expect(check.details).toMatchObject({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', natPresent: false, classicLabel: 'open (no NAT, no filtering)' });
    const ev = check.details.evidence as Record<string, { from?: string; mapped?: string } | null>;
    // CHANGE-REQUEST(ip, port) came back from OTHER-ADDRESS (coturn: second IP, port + 1).
    expect(ev.filterII?.from).toBe(`127.0.0.2:${c.port + 1}`);
    expect(ev.filterIII?.from).toBe(`127.0.0.1:${c.port + 1}`);
    expect(ev.mapII?.mapped).toBe(ev.testI && (ev.testI as { mapped: string }).mapped);
    expect(ev.mapIII?.from).toBe(`127.0.0.2:${c.port + 1}`);
  });

  test('binding lifetime via RESPONSE-PORT: alive through a short bound', async () => {
    const check = await runNatProbe(uri(c.urls.stun), { timeoutMs: 3_000, lifetimeMaxSeconds: 2 });
    expect(check.code).toBe('OK');
    expect(check.details.lifetime).toMatchObject({ aliveAfterSeconds: 2, expiredBySeconds: null, testedSeconds: [1, 2] });
  });

  test('runProtocolProbes: one nat check per server, not one per address of the same server', async () => {
    const urls = [c.urls.stun, `stun:127.0.0.2:${c.port}`];
    const checks = await runProtocolProbes(
      urls.map((url) => ({ url, uri: uri(url), username: null, credential: null, credentialSource: 'none' as const, origin: 'test' })),
      { timeoutMs: 3_000, config: false },
    );
    const nat = checks.filter((x) => x.kind === 'nat');
    expect(nat.map((x) => [x.id, x.code])).toEqual([[`nat:stun:127.0.0.1:${c.port}`, 'OK']]);
  });

  test('a turn: URL over UDP is probed the same way', async () => {
    const check = await runNatProbe(uri(c.urls.turnUdp), { timeoutMs: 3_000 });
    expect(check).toMatchObject({ id: `nat:turn:127.0.0.1:${c.port}?transport=udp`, code: 'OK' });
  });
});

describe('nat probe against coturn without RFC 5780 (one listening IP)', () => {
  let c: Coturn;
  beforeAll(async () => {
    c = await startCoturn({ listeningIps: ['127.0.0.1'], tls: null });
  });
  afterAll(async () => {
    await c?.stop();
  });

  test('says the server does not support RFC 5780 instead of guessing', async () => {
    const t0 = performance.now();
    const check = await runNatProbe(uri(c.urls.stun), { timeoutMs: 3_000 });
    expect(check).toMatchObject({ kind: 'nat', status: 'skip', code: 'NAT_UNSUPPORTED_SERVER' });
    expect(check.details).toMatchObject({ filtering: 'unknown', classicLabel: 'no NAT' });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('nat probe: nothing listens', () => {
  test('TIMEOUT within the bound', async () => {
    const t0 = performance.now();
    // A port nobody listens on: ICMP unreachable is not reported on an unconnected socket, so this is a timeout.
    const check = await runNatProbe(uri('stun:127.0.0.1:9'), { timeoutMs: 1_500 });
    expect(check).toMatchObject({ status: 'fail', code: 'TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(3_000);
  });
});

describe('nat probe over IPv6 ([::1])', () => {
  let c: Coturn;
  beforeAll(async () => {
    c = await startCoturn({ listeningIps: ['::1'], tls: null });
  });
  afterAll(async () => {
    await c?.stop();
  });

  test('probes from an IPv6 socket; one IPv6 address cannot do RFC 5780, and it says so', async () => {
    const check = await runNatProbe(uri(`stun:[::1]:${c.port}`), { timeoutMs: 3_000 });
    expect(check).toMatchObject({ id: `nat:stun:[::1]:${c.port}`, code: 'NAT_UNSUPPORTED_SERVER', status: 'skip' });
    expect(check.details).toMatchObject({ family: 6, natPresent: false });
    expect(String((check.details.evidence as { mappedAddress: string }).mappedAddress)).toMatch(/^\[::1\]:\d+$/);
  });
});
