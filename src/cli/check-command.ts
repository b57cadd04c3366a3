/** `iceprobe check`: flags → check() → table / JSON / HTML / JUnit → exit code. */
import type { Argv, ArgumentsCamelCase, InferredOptionTypes } from 'yargs';
import { CHECK_CALL_DURATION_S, DEFAULT_TIMEOUT_MS } from '../core/defaults.js';
import { EXIT, exitCodeForSignal, OutputError, RunError, UsageError, type StopSignal } from '../core/errors.js';
import { onInterrupt } from '../core/lifecycle.js';
import type { Report } from '../core/schema.js';
import type { WriteTargets } from '../../reports/write.js';
import type { Io } from './io.js';
import type { BrowserChoice } from '../config/config.js';
import { startLiveProgress } from './progress.js';
import { serverConfigInput } from './server-args.js';

const options = {
  url: { type: 'string', array: true, describe: 'A stun:, turn: or turns: URL (RFC 7064/7065, ?transport=udp|tcp); repeatable' },
  username: { type: 'string', describe: 'TURN username for --url servers (or ICEPROBE_USERNAME)' },
  credential: { type: 'string', describe: 'TURN password for --url servers (or ICEPROBE_CREDENTIAL)' },
  'turn-secret': { type: 'string', describe: 'Shared secret: mint TURN REST credentials (coturn use-auth-secret; or ICEPROBE_TURN_SECRET)' },
  config: { type: 'string', describe: 'JSON file in RTCConfiguration shape: {"iceServers":[…], "iceprobe":{…}}' },
  timeout: { type: 'number', describe: 'Bound per URL and per probe, in ms', defaultDescription: String(DEFAULT_TIMEOUT_MS) },
  'insecure-tls': { type: 'boolean', describe: 'Accept self-signed TURNS certificates in the browser (lab use; users\' browsers verify them)' },
  calls: { type: 'boolean', describe: 'Make loopback calls through the TURN servers (--no-calls to skip)', defaultDescription: 'true' },
  protocol: { type: 'boolean', describe: 'Run the Node-side protocol probes (--no-protocol to skip)', defaultDescription: 'true' },
  duration: { type: 'number', describe: 'Seconds of data per call for throughput', defaultDescription: String(CHECK_CALL_DURATION_S) },
  'loss-probes': { type: 'number', describe: 'STUN Bindings per loss/jitter burst (per STUN host); more gives a tighter loss figure', defaultDescription: '200' },
  media: { type: 'boolean', describe: 'Also send fake camera + microphone over the policy-all call' },
  expect: { type: 'string', array: true, describe: 'A CI gate, e.g. relay:tls, setup<300, throughput>5e6; repeatable' },
  strict: { type: 'boolean', describe: 'Treat warnings as failures (exit 1)' },
  json: { type: 'string', describe: 'Write the JSON report to a path, or - for stdout' },
  html: { type: 'string', describe: 'Write a self-contained HTML report' },
  junit: { type: 'string', describe: 'Write JUnit XML for CI' },
  'ca-file': { type: 'string', describe: 'PEM of a private CA your users trust (enterprise PKI, a lab); the TLS probe trusts it too' },
  'chromium-path': { type: 'string', describe: 'Chromium/Chrome binary (or ICEPROBE_CHROMIUM); default: system Chromium, then Playwright\'s' },
  browser: { type: 'string', choices: ['chromium', 'firefox', 'all'], describe: 'Which browser engine runs the in-browser probes (gathering, calls); all compares them', defaultDescription: 'chromium' },
  'firefox-path': { type: 'string', describe: 'Firefox binary for --browser firefox|all (or ICEPROBE_FIREFOX); default: Debian\'s firefox-esr, then a system Firefox' },
  scenario: { type: 'string', hidden: true, describe: 'Name of the lab scenario (set by iceprobe lab)' },
  quiet: { type: 'boolean', alias: 'q', describe: 'No table; only errors (and --json - output)' },
} as const;

/** `check --help` in the groups a user thinks in (every option is in exactly one; a test holds that). */
export const CHECK_OPTION_GROUPS: Record<string, readonly (keyof typeof options)[]> = {
  'Servers:': ['url', 'config', 'username', 'credential', 'turn-secret', 'ca-file'],
  'Probes:': ['timeout', 'calls', 'protocol', 'duration', 'loss-probes', 'media', 'expect', 'strict'],
  'Output:': ['json', 'html', 'junit', 'quiet'],
  'Browser:': ['browser', 'chromium-path', 'firefox-path', 'insecure-tls'],
};

export function checkOptions(y: Argv) {
  let g = y.options(options);
  for (const [name, keys] of Object.entries(CHECK_OPTION_GROUPS)) g = g.group([...keys], name);
  return g
    .example('$0 check', 'Check an embedded local coturn (the whole product, no servers needed)')
    .example('$0 check --url turn:turn.example.com:3478 --username u --credential p', 'Check one TURN URL')
    .example('$0 check --config ice.json --json report.json --junit junit.xml', 'Check a browser RTCConfiguration, for CI');
}

export type CheckArgs = ArgumentsCamelCase<InferredOptionTypes<typeof options>>;

export async function runCheckCommand(args: CheckArgs, io: Io): Promise<number> {
  if (args.json === '' || args.html === '' || args.junit === '') throw new UsageError('--json, --html and --junit need a path (or - for --json)');
  const controller = new AbortController();
  // The signal that stopped the run picks the exit code: Ctrl-C 130, SIGTERM 143 (as every command).
  let stoppedBy: StopSignal = 'SIGINT';
  const stopListening = onInterrupt((signal) => {
    stoppedBy = signal;
    controller.abort(new Error('interrupted'));
  });
  // Loaded here, not at start-up: the browser stack is heavy and `--help` should be instant.
  const [{ check }, { renderTable }, { writeReports, checkWriteTargets }] = await Promise.all([
    import('../run/check.js'),
    import('../../reports/table.js'),
    import('../../reports/write.js'),
  ]);
  const targets: WriteTargets = {
    ...(args.json !== undefined ? { json: args.json } : {}),
    ...(args.html !== undefined ? { html: args.html } : {}),
    ...(args.junit !== undefined ? { junit: args.junit } : {}),
    ...(io.env.GITHUB_STEP_SUMMARY ? { markdownSummary: io.env.GITHUB_STEP_SUMMARY } : {}),
  };
  const labels = { markdownSummary: 'GITHUB_STEP_SUMMARY' };
  // A path that cannot be written costs nothing measured: refuse it before the run.
  const pathProblems = checkWriteTargets(targets, labels);
  if (pathProblems.length > 0) throw new OutputError(pathProblems);
  // A write that fails after the run still leaves every other output written (and the table printed).
  let writeFailure: OutputError | null = null;
  const write = (r: Report) => {
    try {
      return writeReports(r, targets, { stdout: { write: (chunk: string) => io.out(chunk) }, labels });
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      writeFailure = e;
      return [...e.written];
    }
  };
  // The live phase line: TTY only (io.progress is null otherwise), never in CI.
  const live = startLiveProgress(io.progress);
  let report: Report;
  try {
    report = await check({
      ...serverConfigInput(args),
      ...(args.insecureTls !== undefined ? { insecureTls: args.insecureTls } : {}),
      ...(args.calls !== undefined ? { calls: args.calls } : {}),
      ...(args.protocol !== undefined ? { protocol: args.protocol } : {}),
      ...(args.media !== undefined ? { media: args.media } : {}),
      ...(args.expect ? { expect: args.expect } : {}),
      ...(args.strict !== undefined ? { strict: args.strict } : {}),
      ...(args.caFile !== undefined ? { caFile: args.caFile } : {}),
      ...(args.browser !== undefined ? { browsers: args.browser as BrowserChoice } : {}),
      ...(args.firefoxPath !== undefined ? { firefoxPath: args.firefoxPath } : {}),
      ...(args.scenario !== undefined ? { scenario: args.scenario } : {}),
      env: io.env,
      signal: controller.signal,
      onProgress: (e) => live.onEvent(e),
    });
  } catch (e) {
    // Stopped by a usage/environment/internal problem: what was measured is still written.
    if (e instanceof RunError && e.report.checks.length > 0) {
      for (const w of write(e.report)) if (w.path !== '-') io.err(`iceprobe: wrote partial ${w.format} ${w.path}`);
      if (writeFailure) for (const p of (writeFailure as OutputError).problems) io.err(`iceprobe: ${p}`);
    }
    throw e;
  } finally {
    live.stop();
    stopListening();
  }

  const written = write(report);
  if (!args.quiet && args.json !== '-') {
    io.out(renderTable(report, { color: io.isTTY && !io.env.NO_COLOR, ...(io.columns ? { width: io.columns } : {}) }));
    for (const w of written) if (w.path !== '-') io.err(`iceprobe: wrote ${w.format} ${w.path}`);
  }
  if (writeFailure) throw writeFailure;
  if (report.partial) {
    io.err('iceprobe: interrupted: the report holds what was measured until then');
    return exitCodeForSignal(stoppedBy);
  }
  const strict = args.strict ?? false;
  return report.summary.failed > 0 || (strict && report.summary.warned > 0) ? EXIT.checkFailed : EXIT.ok;
}
