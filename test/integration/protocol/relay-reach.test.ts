/**
 * Relay reachability from an outside socket against a real coturn on loopback: a healthy relay
 * passes over every transport; a wrong external-ip is named without a datagram sent to it; a
 * server that refuses our permission says so. (A firewalled relay range needs namespaces: test/lab.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { probeRelayReach, ProtocolCode, runProtocolProbes } from '../../../src/probes-node/index.js';
import { systemClock } from '../../../src/net/clock.js';
import { Check } from '../../../src/core/schema.js';
import { byId, spec, uri } from './helpers.js';

const ctx = { timeoutMs: 2_000, clock: systemClock };

describe('relay-reach against coturn', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('healthy relay: datagrams in as Data indications and out via Send indications, over udp, tcp and tls allocations', async () => {
    const servers = [spec(srv.urls.turnUdp, srv.username, srv.password), spec(srv.urls.turnTcp, srv.username, srv.password), spec(srv.urls.turns!, srv.username, srv.password)];
    const checks = await runProtocolProbes(servers, { ...ctx, config: false });
    for (const url of [srv.urls.turnUdp, srv.urls.turnTcp, srv.urls.turns!]) {
      const c = byId(checks, `relay-reach:${uri(url).canonical}`);
      expect(Check.safeParse(c).success).toBe(true);
      expect(c.code, JSON.stringify(c)).toBe(ProtocolCode.OK);
      expect(c.kind).toBe('relay-reach');
      expect(c.details.inbound).toMatchObject({ sent: 3, received: 3 });
      expect(c.details.outbound).toMatchObject({ sent: 3, received: 3 });
      expect(c.details.released).toBe(true);
      expect(c.details.relayedAddressIsServer).toBe(true);
    }
  });

  it('wrong password: not tested (the turn-allocate check says why)', async () => {
    const c = await probeRelayReach(uri(srv.urls.turnUdp), '127.0.0.1', ['127.0.0.1'], { username: srv.username, password: 'wrong-password' }, ctx);
    expect(c.code).toBe(ProtocolCode.RELAY_NOT_TESTED);
    expect(c.status).toBe('skip');
  });
});

describe('relay-reach against a misconfigured coturn', () => {
  let wrongIp: Coturn;
  let noLoopbackPeers: Coturn;
  beforeAll(async () => {
    // An external-ip that is nobody's (a lab benchmarking address, never routed here).
    wrongIp = await startCoturn({ extraArgs: ['--external-ip=198.18.0.99/127.0.0.1'] });
    noLoopbackPeers = await startCoturn({ allowLoopbackPeers: false });
  });
  afterAll(async () => {
    await wrongIp?.stop();
    await noLoopbackPeers?.stop();
  });

  it('wrong external-ip: RELAY_ADDRESS_NOT_SERVER names the advertised address and its class', async () => {
    for (const url of [wrongIp.urls.turnUdp, wrongIp.urls.turnTcp]) {
      const c = await probeRelayReach(uri(url), '127.0.0.1', ['127.0.0.1'], { username: wrongIp.username, password: wrongIp.password }, ctx);
      expect(c.code, JSON.stringify(c)).toBe(ProtocolCode.RELAY_ADDRESS_NOT_SERVER);
      expect(c.status).toBe('fail');
      expect(String(c.details.relayedAddress)).toMatch(/^198\.18\.0\.99:\d+$/);
      expect(c.details.relayedAddressClass).toBe('benchmarking');
      expect(c.details.urlAddresses).toEqual(['127.0.0.1']);
      // Classified first: nothing was sent.
      expect(c.details.inbound).toBeUndefined();
      expect(c.details.released).toBe(true);
    }
  });

  it('CreatePermission refused (coturn without --allow-loopback-peers): RELAY_PERMISSION_FAILED', async () => {
    const c = await probeRelayReach(uri(noLoopbackPeers.urls.turnUdp), '127.0.0.1', ['127.0.0.1'], { username: noLoopbackPeers.username, password: noLoopbackPeers.password }, ctx);
    expect(c.code, JSON.stringify(c)).toBe(ProtocolCode.RELAY_PERMISSION_FAILED);
    expect(c.details.permission).toMatchObject({ outcome: 'error 403' });
  });
});
