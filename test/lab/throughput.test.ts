/**
 * The throughput headline against a plain WebRTC application on shaped links (issue 13, class 6):
 * in `rate-limited` (tbf 4 Mbit/s up) and `rate-limited-20` (tbf 20 Mbit/s each way) the REAL
 * `iceprobe check` runs in the client namespace, and the lab's minimal two-peer page
 * (src/services/lab/reference.ts) runs three transfers per TURN URL through the same coturn and
 * link. Each relay-forced call's headline (UDP, TCP and TLS) must agree with it within the scenario's tolerance (30 %: see the fixtures) and
 * never exceed the shaper's rate. Longer than the scenario tier's 30 s bound: nine reference transfers of 4 s each.
 */
import { describe, expect, it } from 'vitest';
import { listLabNamespaces } from '../../src/services/lab/netns.js';
import { loadScenario } from '../../src/services/lab/scenario.js';
import { realCheckLabs } from './helpers.js';

const runLab = realCheckLabs();

describe.each(['rate-limited', 'rate-limited-20'])('lab run %s: the headline a link could carry', (name) => {
  it('each relay-forced call agrees with the minimal two-peer page, for UDP, TCP and TLS', { timeout: 180_000 }, async () => {
    const scenario = loadScenario(name);
    const limit = scenario.rateLimit?.bitsPerSecond ?? 0;
    const t0 = performance.now();
    const r = await runLab(scenario, { durationS: 1, checkTimeoutMs: 90_000 });
    console.log(`[lab] ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(r.timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
    for (const t of ['udp', 'tcp', 'tls'] as const) {
      const judged = r.expectationResults.find((x) => x.id === `groundTruth.throughputVsReferencePercent.${t}` && x.source === 'report');
      expect(judged, t).toBeDefined();
      console.log(`[lab] ${name} ${t}: ${JSON.stringify(judged?.actual)} vs ${JSON.stringify(judged?.expected)}`);
      const call = r.report?.calls?.find((c) => c.policy === 'relay' && c.peer !== 'direct' && c.transport === t);
      const tp = call?.throughput;
      expect(tp, t).toBeTruthy();
      // The one figure is the one every view shows: the check's details carry the same number.
      expect(r.report?.checks.find((c) => c.id === call?.checkId)?.details.bitsPerSecond).toBe(tp?.bitsPerSecond);
      expect(tp!.bitsPerSecond).toBeLessThanOrEqual(limit);
      expect(tp!.sentBitsPerSecond).toBeDefined();
    }
    expect(await listLabNamespaces(r.runId)).toEqual([]);
  });
});
