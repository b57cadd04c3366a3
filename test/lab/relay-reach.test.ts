/**
 * Relay reachability in the lab, with coturn configured the way operators get it wrong, and the
 * real `iceprobe check` (dist/): a relay port range dropped by the server's firewall, and a wrong
 * external-ip. In both, the allocations work and the call relayed at both ends connects — the
 * failure only shows to a peer outside the server: relay-reach and the one-sided call. The open
 * network is the control: everything reachable.
 */
import { describe, expect, it } from 'vitest';
import { realCheckLabs } from './helpers.js';

const runLab = realCheckLabs();

async function run(name: string) {
  const r = await runLab(name, { durationS: 1, checkTimeoutMs: 60_000 });
  const report = r.report!;
  const reach = report.checks.filter((c) => c.kind === 'relay-reach');
  const call = (id: string) => report.checks.find((c) => c.id === id);
  return { r, report, reach, call, codes: new Set(report.findings.map((f) => f.code)) };
}

describe('relay reachability in the lab', () => {
  it('open network: every relay-reach check passes over udp, tcp and tls; the one-sided call connects', { timeout: 90_000 }, async () => {
    const { reach, call } = await run('open');
    expect(reach.map((c) => [c.transport, c.code]).sort()).toEqual([['tcp', 'OK'], ['tls', 'OK'], ['udp', 'OK']]);
    expect(call('call:relay-one-side/udp')).toMatchObject({ status: 'pass' });
  });

  it('relay range firewalled: RELAY_UNREACHABLE per transport naming the port, one-sided call fails, both-relayed call passes', { timeout: 90_000 }, async () => {
    const { reach, call, codes, report } = await run('relay-ports-blocked');
    expect(reach.map((c) => [c.transport, c.code]).sort()).toEqual([['tcp', 'RELAY_UNREACHABLE'], ['tls', 'RELAY_UNREACHABLE'], ['udp', 'RELAY_UNREACHABLE']]);
    for (const c of reach) {
      expect(c.details.relayedPort as number).toBeGreaterThanOrEqual(49_152);
      expect(c.details.inbound).toMatchObject({ sent: 3, received: 0 });
      // The relay's own datagrams leave the server: only inbound is dropped.
      expect(c.details.outbound).toMatchObject({ received: 3 });
    }
    expect(call('call:relay/udp')).toMatchObject({ status: 'pass' });
    expect(call('call:relay-one-side/udp')).toMatchObject({ status: 'fail', code: 'ONE_SIDED_CALL_FAILED' });
    expect(codes).toContain('RELAY_PORTS_BLOCKED');
    const f = report.findings.find((x) => x.code === 'RELAY_PORTS_BLOCKED')!;
    expect(f.checkIds).toEqual(expect.arrayContaining(['call:relay-one-side/udp', ...reach.map((c) => c.id)]));
  });

  it('wrong external-ip: RELAY_ADDRESS_NOT_SERVER names 198.18.0.99 without sending to it; one-sided call fails, both-relayed call passes', { timeout: 90_000 }, async () => {
    const { reach, call, codes } = await run('wrong-external-ip');
    expect(reach.map((c) => c.code)).toEqual(['RELAY_ADDRESS_NOT_SERVER', 'RELAY_ADDRESS_NOT_SERVER', 'RELAY_ADDRESS_NOT_SERVER']);
    for (const c of reach) {
      expect(String(c.details.relayedAddress)).toMatch(/^198\.18\.0\.99:\d+$/);
      expect(c.details.urlAddresses).toEqual(['198.18.0.1']);
      expect(c.details.inbound).toBeUndefined();
    }
    expect(call('call:relay/udp')).toMatchObject({ status: 'pass' });
    expect(call('call:relay-one-side/udp')).toMatchObject({ status: 'fail' });
    expect(codes).toContain('RELAY_ADDRESS_WRONG');
    expect(codes).not.toContain('RELAY_PORTS_BLOCKED');
  });
});
