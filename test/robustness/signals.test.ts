/**
 * Signals at random moments of a real run (embedded coturn + Chromium), seeded: exit 130, 143 for SIGTERM (or the
 * run's own verdict if it finished first), the partial report written, no coturn, Chromium or
 * temp dir left. A SIGKILL of iceprobe still takes coturn and its run dir with it (watchdog).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Report } from '../../src/core/schema.js';
import { leftovers, problemsOf, processesMentioning, record, rng, runCli, tally, waitFor } from './helpers.js';

const SEED = 2025;
const r = rng(SEED);
afterAll(() => console.log(`robustness/signals: ${tally.tried} cases tried, ${tally.clean} clean (seed ${SEED})`));

function reportProblems(path: string, code: number | null): string[] {
  if (!existsSync(path)) return ['no report written'];
  const rep = Report.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!rep.success) return ['report does not match the schema'];
  const out: string[] = [];
  if (code === 130 || code === 143) {
    if (rep.data.partial !== true) out.push('interrupted, but the report is not partial');
    if (rep.data.findings[0]?.code !== 'RUN_INTERRUPTED' && rep.data.summary.failed === 0) out.push(`headline ${rep.data.findings[0]?.code}`);
    const artifacts = rep.data.checks.filter((c) => c.status === 'fail' && /closed|abort/i.test(c.message ?? ''));
    if (artifacts.length > 0) out.push(`unfinished checks reported as failures: ${artifacts.map((c) => c.id).join(', ')}`);
  }
  return out;
}

describe('Ctrl-C at random moments of a real run', () => {
  const cases: { name: string; delays: number[]; sig?: 'SIGTERM' }[] = [
    ...Array.from({ length: 3 }, (_, i) => ({ name: `SIGINT #${i}`, delays: [150 + r.int(7_000)] })),
    { name: 'SIGINT twice', delays: [2_000 + r.int(3_000), 200] },
    { name: 'SIGTERM', delays: [1_000 + r.int(4_000)], sig: 'SIGTERM' },
  ];
  for (const c of cases) {
    it(`${c.name} after ${c.delays.join('+')} ms`, async () => {
      let json = '';
      const run = await runCli(['check', '--duration', '1', '--json', 'PLACEHOLDER'].map((a) => (a === 'PLACEHOLDER' ? (json = join('/tmp', `iceprobe-robust-${process.pid}-${Date.now()}.json`)) : a)), {
        timeoutMs: 60_000,
        onSpawn: (pid) => {
          let at = 0;
          for (const d of c.delays) {
            at += d;
            setTimeout(() => {
              try {
                process.kill(pid, c.sig ?? 'SIGINT');
              } catch {
                /* finished already */
              }
            }, at);
          }
        },
      });
      // An interrupted run exits 128 + the signal: Ctrl-C 130, SIGTERM 143 (as relay, serve, exporter, lab).
      const problems = [...problemsOf(run, { maxMs: 30_000, exit: [0, 1, c.sig === 'SIGTERM' ? 143 : 130] }), ...reportProblems(json, run.code), ...(await leftovers(run, 5_000))];
      rmSync(json, { force: true });
      rmSync(run.tmp, { recursive: true, force: true });
      record(c.name, problems);
      expect(problems, run.stderr.slice(-600)).toEqual([]);
    });
  }

  it('SIGKILL of iceprobe: the watchdog takes coturn and its run dir along', async () => {
    let tmpSeen = '';
    // With calls, so the run outlasts the kill on a fast machine (a quiet one finishes --no-calls in ~2 s).
    const run = await runCli(['check', '--duration', '2'], {
      timeoutMs: 60_000,
      onSpawn: (pid) => {
        // Once coturn runs (its run dir exists in our TMPDIR), kill iceprobe without warning.
        const poll = setInterval(() => {
          const dirs = processesMentioning('iceprobe-coturn-').filter((p) => p.includes(tmpSeen || '/iceprobe-robust-'));
          if (dirs.length > 0) {
            clearInterval(poll);
            setTimeout(() => process.kill(pid, 'SIGKILL'), r.int(1_500));
          }
        }, 50);
        setTimeout(() => clearInterval(poll), 30_000);
      },
    });
    tmpSeen = run.tmp;
    const problems: string[] = [];
    if (run.signal !== 'SIGKILL') problems.push(`ended by ${run.code ?? run.signal}, not by the SIGKILL`);
    const gone = await waitFor(() => processesMentioning(run.tmp).filter((p) => /turnserver/.test(p)).length === 0 && !readdirSync(run.tmp).some((d) => d.startsWith('iceprobe-coturn-')), 5_000);
    if (!gone) problems.push(`left behind: ${[...readdirSync(run.tmp), ...processesMentioning(run.tmp).filter((p) => /turnserver/.test(p))].join(', ')}`);
    // Chromium's own profile dir is Playwright's to remove; it is not part of this promise.
    await waitFor(() => processesMentioning(run.tmp).length === 0, 5_000);
    for (const p of processesMentioning(run.tmp)) process.kill(Number(p.split(' ')[0]), 'SIGKILL');
    rmSync(run.tmp, { recursive: true, force: true });
    record('SIGKILL', problems);
    expect(problems).toEqual([]);
  });
});
