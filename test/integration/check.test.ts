/**
 * check() against a real coturn and a real headless Chromium on loopback.
 * One browser per TLS policy for the whole file (as in a real run: one browser, reused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserOwner } from '../../src/browser/owner.js';
import { check } from '../../src/run/check.js';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { freePort } from '../../src/servers/coturn.js';
import type { Report } from '../../src/core/schema.js';
import { assertMatchesPublishedSchema } from '../helpers/schema.js';
import { expectNoSecrets } from '../helpers/secrets.js';

let coturn: Coturn;
let insecure: BrowserOwner;
let secure: BrowserOwner;
const env = {} as NodeJS.ProcessEnv;

beforeAll(async () => {
  [coturn, insecure, secure] = await Promise.all([startCoturn(), BrowserOwner.launch({ insecureTls: true }), BrowserOwner.launch()]);
});
afterAll(async () => {
  await Promise.all([coturn?.stop(), insecure?.close(), secure?.close()]);
});

const byId = (r: Report, id: string) => r.checks.find((c) => c.id === id);

describe('check() on real coturn + Chromium', () => {
  it('all four URL kinds pass; relay calls connect over udp, tcp and tls; the report matches the schema', async () => {
    const u = coturn.urls;
    const r = await check({
      env,
      browser: insecure,
      urls: [u.stun, u.turnUdp, u.turnTcp, u.turns ?? ''],
      username: coturn.username,
      credential: coturn.password,
      durationS: 1,
      protocol: false,
    });
    expect(r.origin).toEqual({ kind: 'check' });
    const gathers = r.checks.filter((c) => c.kind === 'gather' && c.id !== 'gather:all');
    expect(gathers.map((c) => `${c.target} ${c.status} ${c.code}`).sort()).toEqual(
      [u.stun, u.turnUdp, u.turnTcp, u.turns].map((x) => `${x} pass OK`).sort(),
    );
    expect(gathers.every((c) => c.status === 'pass')).toBe(true);
    const relays = r.candidates.filter((c) => c.type === 'relay');
    expect(new Set(relays.map((c) => c.relayProtocol))).toEqual(new Set(['udp', 'tcp', 'tls']));
    expect(r.candidates.some((c) => c.type === 'srflx')).toBe(true);
    expect(r.candidates.some((c) => c.type === 'host')).toBe(true);

    const calls = r.calls ?? [];
    expect(calls.map((c) => [c.id, c.status])).toEqual([
      ['relay-udp', 'pass'],
      ['relay-tcp', 'pass'],
      ['relay-tls', 'pass'],
      ['relay-one-side-udp', 'pass'],
      ['all', 'pass'],
    ]);
    // The one-sided call: the caller relayed, the callee not (no TURN: host or srflx).
    const oneSided = calls.find((c) => c.id === 'relay-one-side-udp');
    expect(oneSided?.peer).toBe('direct');
    expect(oneSided?.selectedPair?.local.type).toBe('relay');
    expect(oneSided?.selectedPair?.remote.type).not.toBe('relay');
    expect(byId(r, 'call:relay-one-side/udp')).toMatchObject({ status: 'pass', code: 'OK' });
    for (const c of calls.filter((x) => x.policy === 'relay')) {
      expect(c.selectedPair?.local.type).toBe('relay');
      expect(c.selectedPair?.local.relayProtocol).toBe(c.transport);
      expect(c.setup.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['signaling-connected', 'offer-created', 'answer-received', 'ice-connected', 'dtls-connected', 'datachannel-open']));
      expect(c.throughput?.bitsPerSecond).toBeGreaterThan(1e6);
      expect(c.throughput?.samples.length).toBeGreaterThanOrEqual(c.peer === 'direct' ? 1 : 2);
      expect(c.rttMs?.median).toBeGreaterThanOrEqual(0);
      // Each data phase ran until its rate converged or for the whole --duration, never longer;
      // the one-sided call's until data reached the peer without TURN (its verdict is connectivity).
      const check = byId(r, c.checkId);
      expect(c.peer === 'direct' ? ['delivered'] : ['converged', 'duration']).toContain(check?.details.dataStoppedBy);
      expect(c.throughput?.durationMs).toBeLessThanOrEqual(3_000 + 300);
    }
    // Both pages are in this browser: the policy-all call connects host to host, inside this
    // machine, so it reports the pair and its RTT and no throughput (it would measure the CPU).
    const all = calls.find((c) => c.id === 'all');
    expect(['host', 'srflx', 'prflx']).toContain(all?.selectedPair?.local.type);
    expect(all?.throughput).toBeNull();
    expect(all?.rttMs?.median).toBeGreaterThanOrEqual(0);
    expect(String(byId(r, 'call:all')?.details.dataPhase)).toMatch(/^none/);
    // The only warning is the config check: this test server's turns: is not on 443.
    expect(r.summary.failed).toBe(0);
    expect(r.checks.filter((c) => c.status === 'warn').map((c) => c.code)).toEqual(['TURNS_NOT_ON_443']);
    assertMatchesPublishedSchema(r);
    expectNoSecrets({ report: JSON.stringify(r) }, [coturn.password]);
  });

  it('a wrong password gives TURN_AUTH_FAILED with the browser 401', async () => {
    const r = await check({ env, browser: insecure, urls: [coturn.urls.turnUdp], username: coturn.username, credential: 'definitely-wrong', calls: false, protocol: false });
    const g = byId(r, `gather:${coturn.urls.turnUdp}`);
    expect(g).toMatchObject({ status: 'fail', code: 'TURN_AUTH_FAILED' });
    expect((g?.details.errors as { errorCode: number }[])[0]?.errorCode).toBe(401);
    expect(r.summary.status).toBe('fail');
    expectNoSecrets({ report: JSON.stringify(r) }, ['definitely-wrong']);
  });

  it('a closed port gives GATHER_TIMEOUT within the bound, and other URLs still report', async () => {
    const closed = await freePort();
    const t0 = performance.now();
    const r = await check({ env, browser: insecure, urls: [`stun:127.0.0.1:${closed}`, coturn.urls.stun], timeoutMs: 1500, calls: false, protocol: false });
    const took = performance.now() - t0;
    expect(byId(r, `gather:stun:127.0.0.1:${closed}`)).toMatchObject({ status: 'fail', code: 'GATHER_TIMEOUT' });
    expect(byId(r, `gather:${coturn.urls.stun}`)).toMatchObject({ status: 'pass', code: 'OK' });
    expect(took).toBeLessThan(1500 + 2500);
  });

  it('a self-signed TURNS certificate without --insecure-tls gives TLS_CERT_REJECTED', async () => {
    const r = await check({ env, browser: secure, urls: [coturn.urls.turns ?? ''], username: coturn.username, credential: coturn.password, calls: false, protocol: false, timeoutMs: 3000 });
    expect(byId(r, `gather:${coturn.urls.turns}`)).toMatchObject({ status: 'fail', code: 'TLS_CERT_REJECTED' });
  });

  it('port policy: Chromium ignores TURN on port 25, reported without waiting', async () => {
    const r = await check({ env, browser: insecure, urls: ['turn:127.0.0.1:25'], username: 'u', credential: 'pw1', calls: false, protocol: false });
    expect(byId(r, 'gather:turn:127.0.0.1:25?transport=udp')).toMatchObject({ status: 'fail', code: 'PORT_BLOCKED_BY_BROWSER' });
  });

  it('an aborted run returns a partial report with what it measured', async () => {
    const ac = new AbortController();
    const closed = await freePort();
    const p = check({ env, browser: insecure, urls: [coturn.urls.stun, `stun:127.0.0.1:${closed}`], timeoutMs: 20_000, calls: false, protocol: false, signal: ac.signal, onProgress: (e) => {
      if (e.type === 'check') ac.abort(new Error('test abort'));
    } });
    const r = await p;
    expect(r.partial).toBe(true);
    expect(r.checks.length).toBeGreaterThanOrEqual(1);
  });
});

describe('relay path broken on the server', () => {
  let strict: Coturn;
  beforeAll(async () => {
    strict = await startCoturn({ allowLoopbackPeers: false, tls: null });
  });
  afterAll(async () => strict?.stop());

  it('coturn without --allow-loopback-peers: relay candidates appear but the relay call fails at ICE', async () => {
    const r = await check({ env, browser: insecure, urls: [strict.urls.turnUdp], username: strict.username, credential: strict.password, durationS: 0.5, timeoutMs: 3000, protocol: false });
    expect(byId(r, `gather:${strict.urls.turnUdp}`)).toMatchObject({ status: 'pass' });
    const call = byId(r, 'call:relay/udp');
    expect(call).toMatchObject({ status: 'fail', code: 'RELAY_CALL_FAILED', details: { failedPhase: 'ice' } });
    expect(call?.details.hint).toBeTypeOf('string');
  });
});
