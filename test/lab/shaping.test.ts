/**
 * Ground truth for the shaping scenarios: the tbf rate limit and the iptables-statistic loss,
 * measured between the client and the internet namespace with the lab's own tool.
 */
import { expect, it } from 'vitest';
import { measureTcpThroughput, measureUdpLoss, type PathEnds } from '../../src/services/lab/measure.js';
import { expectHostLeftAsFound, withLab, type Lab } from './helpers.js';

expectHostLeftAsFound();

const ends = (lab: Lab, port: number): PathEnds => ({ clientNs: lab.topo.sites[0]!.client, serverNs: lab.topo.internet, ip: lab.topo.serverIps[1], port });

withLab('rate-limited', (lab) => {
  // The scenario shapes the uplink only (the direction a call's data channel measures).
  it('TCP up is within ±15 % of the tbf rate', async () => {
    expect(lab().scenario.rateLimit!.direction).toBe('up');
    const rate = lab().scenario.rateLimit!.bitsPerSecond;
    const r = await measureTcpThroughput(ends(lab(), 41_000), 'up', 2_000);
    console.log(`[lab] rate-limited up: ${(r.bitsPerSecond / 1e6).toFixed(2)} Mbit/s (configured ${(rate / 1e6).toFixed(2)})`);
    expect(Math.abs(r.bitsPerSecond - rate) / rate).toBeLessThanOrEqual(0.15);
  });

  it('TCP down is not shaped', async () => {
    const rate = lab().scenario.rateLimit!.bitsPerSecond;
    const r = await measureTcpThroughput(ends(lab(), 41_001), 'down', 1_000);
    console.log(`[lab] rate-limited down: ${(r.bitsPerSecond / 1e6).toFixed(2)} Mbit/s (unshaped)`);
    expect(r.bitsPerSecond).toBeGreaterThan(5 * rate);
  });
});

withLab('lossy', (lab) => {
  for (const dir of ['up', 'down'] as const) {
    it(`UDP ${dir} loses about the configured share`, async () => {
      const pct = lab().scenario.loss!.percent;
      const near = lab().scenario.expect.groundTruth.lossNearPercent!;
      const r = await measureUdpLoss(ends(lab(), dir === 'up' ? 41_002 : 41_003), dir, 3_000);
      console.log(`[lab] lossy ${dir}: ${r.lossPercent.toFixed(2)} % of ${r.expected} (configured ${pct} %)`);
      expect(Math.abs(r.lossPercent - pct)).toBeLessThanOrEqual(near);
    });
  }

  it('an unshaped path loses nothing (the tool itself does not drop)', async () => {
    // The same tool between the internet namespace and itself: no router, no loss rule.
    const r = await measureUdpLoss({ clientNs: lab().topo.internet, serverNs: lab().topo.internet, ip: lab().topo.serverIps[1], port: 41_004 }, 'up', 3_000);
    expect(r.lossPercent).toBe(0);
  });
});
