/**
 * Protocol probes against a real coturn on loopback, configured per case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { runProtocolProbes, attemptAllocate, ProtocolCode } from '../../../src/probes-node/index.js';
import { systemClock } from '../../../src/net/clock.js';
import { Check } from '../../../src/core/schema.js';
import { byId, spec, uri } from './helpers.js';

const TIMEOUT = 2_000;

describe('coturn with long-term credentials', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('right password: STUN, TURN udp/tcp/tls all pass, allocation released', async () => {
    const servers = [spec(srv.urls.stun), spec(srv.urls.turnUdp, srv.username, srv.password), spec(srv.urls.turnTcp, srv.username, srv.password), spec(srv.urls.turns!, srv.username, srv.password)];
    const checks = await runProtocolProbes(servers, { timeoutMs: TIMEOUT });
    for (const c of checks) expect(Check.safeParse(c).success).toBe(true);
    const binding = byId(checks, `stun-binding:${uri(srv.urls.stun).canonical}`);
    expect(binding.code).toBe('OK');
    expect(binding.details.mappedAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(binding.details.fingerprint).toBe('valid');
    expect(String(binding.details.software)).toMatch(/Coturn/i);
    for (const url of [srv.urls.turnUdp, srv.urls.turnTcp, srv.urls.turns!]) {
      const a = byId(checks, `turn-allocate:${uri(url).canonical}`);
      expect(a.code, JSON.stringify(a)).toBe('OK');
      expect(a.details.relayedAddress).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(a.details.integrity).toBe('valid');
      expect(a.details.released).toBe(true);
      expect(a.details.realm).toBe(srv.realm);
      expect((a.details.steps as { step: string }[]).map((s) => s.step)).toEqual(['allocate', 'allocate-auth', 'refresh']);
    }
    const tls = byId(checks, `tls-handshake:127.0.0.1:${srv.tlsPort}`);
    expect(tls.code).toBe(ProtocolCode.TLS_CERT_SELF_SIGNED);
    expect(tls.details.hostnameMatches).toBe(true);
    expect(byId(checks, 'dns:127.0.0.1').code).toBe('OK');
    // credentials never appear in the output
    expect(JSON.stringify(checks)).not.toContain(srv.password);
  });

  it('wrong password: TURN_AUTH_FAILED over udp, tcp and tls, with advice', async () => {
    const servers = [spec(srv.urls.turnUdp, srv.username, 'wrong-password'), spec(srv.urls.turnTcp, srv.username, 'wrong-password'), spec(srv.urls.turns!, srv.username, 'wrong-password')];
    const checks = await runProtocolProbes(servers, { timeoutMs: TIMEOUT, config: false });
    const allocs = checks.filter((c) => c.kind === 'turn-allocate');
    expect(allocs).toHaveLength(3);
    for (const a of allocs) {
      expect(a.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
      expect(a.status).toBe('fail');
      expect(a.details.errorCode).toMatchObject({ code: 401 });
      expect(typeof a.details.advice).toBe('string');
    }
    expect(JSON.stringify(checks)).not.toContain('wrong-password');
  });

  it('an expected realm other than the server\'s is TURN_REALM_MISMATCH', async () => {
    const checks = await runProtocolProbes([spec(srv.urls.turnUdp, srv.username, srv.password)], { timeoutMs: TIMEOUT, config: false, expectedRealm: 'other.test' });
    expect(byId(checks, `turn-allocate:${uri(srv.urls.turnUdp).canonical}`).code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
  });
});

describe('coturn with user-quota=1', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn({ userQuota: 1, tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('a second allocation while the first is held gets TURN_QUOTA', async () => {
    const u = uri(srv.urls.turnUdp);
    const held = await attemptAllocate(u, '127.0.0.1', { username: srv.username, password: srv.password }, { timeoutMs: TIMEOUT, clock: systemClock, release: false });
    try {
      expect(held.check.code).toBe('OK');
      expect(held.channel).not.toBeNull();
      const checks = await runProtocolProbes([spec(srv.urls.turnTcp, srv.username, srv.password)], { timeoutMs: TIMEOUT, config: false });
      const a = byId(checks, `turn-allocate:${uri(srv.urls.turnTcp).canonical}`);
      expect(a.code).toBe(ProtocolCode.TURN_QUOTA);
      expect(a.details.errorCode).toMatchObject({ code: 486 });
    } finally {
      held.channel?.close();
    }
  });
});
