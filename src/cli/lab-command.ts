/** `iceprobe lab run|list|down`: the NAT lab (Linux, root). */
import type { Argv } from 'yargs';
import { LAB_CALL_DURATION_S } from '../core/defaults.js';
import { EXIT } from '../core/errors.js';
import type { LabRunResult } from '../services/lab/run.js';
import type { Io } from './io.js';

/** A lab run as a service: running until its report is judged, or aborted by close(). */
interface LabJob {
  outcome: { result: LabRunResult } | { error: unknown } | null;
  closed: Promise<void>;
  close(): Promise<void>;
}

export function labCommand(y: Argv, io: Io, setExit: (code: number) => void) {
  return y
    .command(
      'run <scenario>',
      'Build the scenario\'s network, run iceprobe check behind its NAT, judge it, tear it all down',
      (c) =>
        c
          .positional('scenario', { type: 'string', demandOption: true, describe: 'A scenario name (iceprobe lab list) or a scenario JSON file' })
          .options({
            json: { type: 'string', describe: 'Write the check\'s JSON report here' },
            html: { type: 'string', describe: 'Write the HTML report here' },
            junit: { type: 'string', describe: 'Write JUnit XML here' },
            duration: { type: 'number', describe: 'Seconds of data per call (raised to what the scenario\'s ground truth needs)', defaultDescription: String(LAB_CALL_DURATION_S) },
            browser: { type: 'string', choices: ['chromium', 'firefox', 'all'], describe: 'Which browser engine the check runs its in-browser probes in (all compares them)', defaultDescription: 'chromium' },
            quiet: { type: 'boolean', alias: 'q' },
          }),
      async (args) => {
        const [{ labRun }, { loadScenario }, { writeReports }, { renderTable }, { runService }] = await Promise.all([
          import('../services/lab/run.js'),
          import('../services/lab/scenario.js'),
          import('../../reports/write.js'),
          import('../../reports/table.js'),
          import('../services/service.js'),
        ]);
        const scenario = loadScenario(String(args.scenario));
        // A job in the one shape of long-running commands: Ctrl-C aborts the run, which tears its
        // network down itself (bounded), and exits 130.
        const code = await runService<LabJob>(
          {
            name: 'lab',
            job: true,
            start: async () => {
              const controller = new AbortController();
              const job: LabJob = {
                outcome: null,
                closed: labRun(scenario, {
                  durationS: args.duration ?? LAB_CALL_DURATION_S,
                  ...(args.browser !== undefined ? { checkArgs: ['--browser', args.browser] } : {}),
                  onProgress: (m) => io.progress?.(`lab ${scenario.name}: ${m}`),
                  signal: controller.signal,
                }).then(
                  (result) => void (job.outcome = { result }),
                  (error: unknown) => void (job.outcome = { error }),
                ),
                close: async () => {
                  controller.abort(new Error('lab run stopped'));
                  await job.closed;
                },
              };
              return job;
            },
            exitCode: ({ outcome }) => {
              io.progress?.(null);
              if (outcome === null || 'error' in outcome) throw outcome?.error ?? new Error('internal: the lab run ended without an outcome');
              const result = outcome.result;
              if (result.report) {
                writeReports(result.report, {
                  ...(args.json !== undefined ? { json: args.json } : {}),
                  ...(args.html !== undefined ? { html: args.html } : {}),
                  ...(args.junit !== undefined ? { junit: args.junit } : {}),
                }, { stdout: { write: (s: string) => io.out(s) } });
                if (!args.quiet && args.json !== '-') io.out(renderTable(result.report, { color: io.isTTY && !io.env.NO_COLOR }));
              }
              if (args.json !== '-') {
                io.out(`Scenario ${scenario.name}: ${result.passed ? 'as expected' : 'NOT as expected'}`);
                for (const e of result.expectationResults) io.out(`  ${e.pass ? 'ok  ' : 'FAIL'} ${e.id} (${e.source}): expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`);
              }
              return result.passed ? EXIT.ok : EXIT.checkFailed;
            },
          },
          io,
        );
        io.progress?.(null);
        setExit(code);
      },
    )
    .command('list', 'List the built-in scenarios', {}, async () => {
      const { labList } = await import('../services/lab/run.js');
      for (const s of labList()) io.out(`${s.name.padEnd(20)} ${s.description}`);
      setExit(EXIT.ok);
    })
    .command('down', 'Remove everything a killed lab run left behind (namespaces, coturn)', {}, async () => {
      const { labDown } = await import('../services/lab/run.js');
      const { removed, dirs, etc } = await labDown();
      const all = [...removed, ...dirs, ...etc];
      io.out(all.length ? `removed ${all.join(' ')}` : 'nothing to remove');
      setExit(EXIT.ok);
    })
    .demandCommand(1, 'say which: iceprobe lab run <scenario> | list | down');
}
