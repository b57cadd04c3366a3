/**
 * Every shipped scenario, end to end with the REAL `iceprobe check` (dist/, so run `npx tsc -p .`
 * first): the report names the scenario and carries the expected finding codes, the expected
 * pass/fail per TURN transport, and the ground truth from iceprobe's own report (srflx = router's
 * public address, srflx ports per destination, relay need, throughput through the shaper, loss),
 * each compared with the lab's own independent measurement too. Each scenario stays under 30 s,
 * and nothing is left behind. The shaped scenarios (rate-limited, rate-limited-20) also run the
 * minimal two-peer page as their throughput reference: they are in throughput.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { listLabNamespaces } from '../../src/services/lab/netns.js';
import { loadScenario, relayNeededBetween } from '../../src/services/lab/scenario.js';
import { realCheckLabs } from './helpers.js';

const SCENARIOS = ['open', 'cone-nat', 'relay-ports-blocked', 'wrong-external-ip', 'symmetric-nat', 'udp-blocked', 'tcp-443-only', 'turn-down', 'wrong-credentials', 'lossy', 'dual-stack', 'ipv6-broken'];
const BOUND_MS = 30_000;
const times: Record<string, number> = {};
const runLab = realCheckLabs();
afterAll(() => {
  console.log(`[lab] scenario wall times (s): ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v / 100) / 10])))}`);
});

describe.each(SCENARIOS)('lab run %s with the real check', (name) => {
  it('is as expected, from the report and from the lab\'s own tools, in under 30 s', { timeout: 90_000 }, async () => {
    const scenario = loadScenario(name);
    const t0 = performance.now();
    const r = await runLab(scenario, { durationS: 1, checkTimeoutMs: 60_000 });
    const ms = performance.now() - t0;
    times[name] = ms;
    console.log(`[lab] ${name}: ${(ms / 1000).toFixed(1)} s ${JSON.stringify(r.timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);

    const report = r.report;
    expect(report).not.toBeNull();
    expect(report?.scenario).toBe(name);
    const codes = new Set(report?.findings.map((f) => f.code));
    for (const c of scenario.expect.findings.present) expect(codes, c).toContain(c);
    for (const c of scenario.expect.findings.absent) expect(codes, c).not.toContain(c);
    // The lab certificate is trusted through --ca-file: no certificate finding the scenario is not about.
    expect(codes).not.toContain('TLS_CERT_SELF_SIGNED');

    // Every expectation the scenario states was judged from iceprobe's report (not only the lab's tools)…
    const fromReport = new Set(r.expectationResults.filter((x) => x.source === 'report').map((x) => x.id));
    for (const t of Object.keys(scenario.expect.transports)) expect(fromReport).toContain(`transports.${t}`);
    for (const g of Object.keys(scenario.expect.groundTruth)) expect(fromReport).toContain(`groundTruth.${g}`);
    // …and every ground truth the lab can measure independently, by the lab as well.
    const fromLab = new Set(r.expectationResults.filter((x) => x.source === 'lab').map((x) => x.id));
    for (const g of Object.keys(scenario.expect.groundTruth)) expect(fromLab).toContain(`groundTruth.${g}`);
    if (scenario.secondSite && scenario.expect.groundTruth.relayNeeded !== undefined) {
      expect(scenario.expect.groundTruth.relayNeeded).toBe(relayNeededBetween(scenario.nat, scenario.secondSite.nat));
      expect(r.measurements.directPath).toBe(!scenario.expect.groundTruth.relayNeeded);
    }

    expect(await listLabNamespaces(r.runId)).toEqual([]);
    expect(ms).toBeLessThan(BOUND_MS);
  });
});
