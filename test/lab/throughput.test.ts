/**
 * The throughput headline against a plain WebRTC application on shaped links (issue 13, class 6):
 * in `rate-limited` (tbf 4 Mbit/s up) and `rate-limited-20` (tbf 20 Mbit/s each way) the REAL
 * `iceprobe check` runs in the client namespace, and the lab's minimal two-peer page
 * (src/services/lab/reference.ts) runs three transfers per TURN URL through the same coturn and
 * link. Each relay-forced call's headline (UDP, TCP and TLS) must agree with it within the
 * scenario's tolerance (15 %, the issue's: see the fixtures; the page's own melted-down transfers
 * left out, src/services/lab/expect.ts judgeAgainstReference) and never exceed the shaper's rate.
 * Longer than the scenario tier's 30 s bound: nine reference transfers of 4 s each.
 */
import { describe, expect, it } from 'vitest';
import { listLabNamespaces } from '../../src/services/lab/netns.js';
import { loadScenario } from '../../src/services/lab/scenario.js';
import { realCheckLabs } from './helpers.js';
import { deliveryOverhead, deliveryStalls } from '../../src/core/throughput.js';
import { FindingCode } from '../../src/diagnosis/codes.js';

const runLab = realCheckLabs();

describe.each(['rate-limited', 'rate-limited-20'])('lab run %s: the headline a link could carry', (name) => {
  it('each relay-forced call agrees with the minimal two-peer page, for UDP, TCP and TLS', { timeout: 180_000 }, async () => {
    const scenario = loadScenario(name);
    const limit = scenario.rateLimit?.bitsPerSecond ?? 0;
    const t0 = performance.now();
    const attempt = async () => {
      const r = await runLab(scenario, { durationS: 1, checkTimeoutMs: 90_000 }, false);
      console.log(`[lab] ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(r.timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
      return { r, failed: r.expectationResults.filter((x) => !x.pass) };
    };
    let { r, failed } = await attempt();
    // One transfer per transport is one draw: over TURN/TCP and TLS behind a queue, 20-30 % of
    // data-channel transfers melt down (the minimal page's too, which its median of three hides).
    // A miss is retried once only when the product itself said so for that call: a TCP/TLS
    // comparison whose call the diagnosis cites in DATA_CHANNEL_STALLED (a quiet interval on a
    // busy link) or DATA_CHANNEL_RETRANSMITTING (the link full of duplicates, no quiet interval:
    // CI, rate-limited-20, TURN/TCP: 9.07 Mbit/s delivered, 16.99 received, the minimal page
    // 16.88). Any other miss, or a second one, fails.
    const MELTDOWN = new Set<string>([FindingCode.DATA_CHANNEL_STALLED, FindingCode.DATA_CHANNEL_RETRANSMITTING]);
    const meltdownMiss = (x: (typeof failed)[number]) => {
      const t = /^groundTruth\.throughputVsReferencePercent\.(tcp|tls)$/.exec(x.id)?.[1];
      if (t === undefined) return false;
      const call = r.report?.calls?.find((c) => c.policy === 'relay' && c.peer !== 'direct' && c.transport === t);
      const said = r.report?.findings.filter((f) => MELTDOWN.has(f.code) && call !== undefined && f.checkIds.includes(call.checkId)).map((f) => f.code) ?? [];
      const tp = call?.throughput;
      console.log(`[lab] ${name} ${t} missed: headline ${tp?.bitsPerSecond}, transport received ${tp?.receivedBitsPerSecond}, stalled ${deliveryStalls(tp).ms} ms, overhead ${deliveryOverhead(tp)?.ratio.toFixed(2)}x, findings [${said.join(', ')}]`);
      return said.length > 0;
    };
    if (failed.length > 0 && failed.every(meltdownMiss)) {
      console.log(`[lab] ${name}: retried once, the data channel melted down: ${failed.map((x) => x.id).join(', ')}`);
      ({ r, failed } = await attempt());
    }
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(r.passed).toBe(true);
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
