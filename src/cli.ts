#!/usr/bin/env node
/**
 * The iceprobe command line: a thin shell over the library. The one place where errors become
 * exit codes (exitCodeFor) and where anything is printed.
 *
 *   0  every check passed (warnings allowed unless --strict)
 *   1  a check failed (or, with --strict, warned)
 *   2  usage, configuration or environment error (one line each, naming the input and the fix)
 *   3  internal error (a bug: please report it)
 *   130 interrupted by Ctrl-C, 143 by SIGTERM (a partial report is still written)
 */
// Only the signal handlers load before main() runs: ESM links every static import before it
// evaluates any, so with static imports of yargs and the commands Ctrl-C in the first second
// took Node's default path (no line, no report). Everything else is loaded in main().
import { installSignalHandlers } from './core/lifecycle.js';
import { realpathSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import nodeModule from 'node:module';
import type { Argv } from 'yargs';
import type { Io } from './cli/io.js';

installSignalHandlers();
// Node 22.1+ can keep V8's compiled code of every module between runs (a later start parses
// playwright-core and the rest again from the cache); older Nodes have no such switch.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

async function loadCli() {
  const [yargs, errors, check, exporter, lab, nat, relay, report, serve, version, io] = await Promise.all([
    import('yargs'),
    import('./core/errors.js'),
    import('./cli/check-command.js'),
    import('./cli/exporter-command.js'),
    import('./cli/lab-command.js'),
    import('./cli/nat-command.js'),
    import('./cli/relay-command.js'),
    import('./cli/report-command.js'),
    import('./cli/serve-command.js'),
    import('./core/version.js'),
    import('./cli/io.js'),
  ]);
  return { yargs: yargs.default, ...errors, ...check, ...exporter, ...lab, ...nat, ...relay, ...report, ...serve, VERSION: version.VERSION, consoleIo: io.consoleIo };
}
type Cli = Awaited<ReturnType<typeof loadCli>>;

/**
 * `iceprobe --help` (no command): yargs would list the default command's 22 options as if they
 * were global, so the top-level help is built without `check` as the default. Only then.
 */
export function isTopLevelHelp(argv: readonly string[]): boolean {
  const asksHelp = argv.some((a) => a === '--help' || a === '-h');
  const command = argv.find((a) => !a.startsWith('-'));
  return asksHelp && command === undefined;
}

function build(cli: Cli, argv: string[], io: Io): Argv {
  const { yargs, runCheckCommand, checkOptions, exporterOptions, runExporter, labCommand, natOptions, runNat, relayOptions, runRelay, reportOptions, runReport, serveOptions, runServe, VERSION, UsageError } = cli;
  const topHelp = isTopLevelHelp(argv);
  return yargs(argv)
    .scriptName('iceprobe')
    .usage(
      topHelp
        ? '$0 <command> [options]\n\nTells you why WebRTC connections fail and whether your STUN/TURN deployment really works.\nWith no command, runs `check`. Options of a command: $0 <command> --help'
        : '$0 <command> [options]\n\nTells you why WebRTC connections fail and whether your STUN/TURN deployment really works.',
    )
    .command(
      topHelp ? 'check' : ['check', '$0'],
      'Gather candidates per STUN/TURN URL in headless Chromium, probe each server directly, and make loopback calls through it. With no servers given, checks an embedded local coturn.',
      checkOptions,
      async (args) => {
        io.exitCode = await runCheckCommand(args, io);
      },
    )
    .command('relay', 'Run the probe signaling relay (WebSocket rooms for two-peer calls) until Ctrl-C', relayOptions, async (args) => {
      io.exitCode = await runRelay(args, io);
    })
    .command('nat', 'RFC 5780 NAT behaviour discovery against one STUN server: mapping, filtering, hairpinning, classic NAT type', natOptions, async (args) => {
      io.exitCode = await runNat(args, io);
    })
    // [file], not <file>: a missing file is our own one-line usage error, not yargs' message.
    .command('report [file]', 'Re-render a saved JSON report as a table, HTML, JUnit or Markdown', reportOptions, async (args) => {
      io.exitCode = await runReport(args, io);
    })
    .command('serve', 'Host the probe page for people\'s browsers (with an echo peer and the signaling relay); store their reports', serveOptions, async (args) => {
      io.exitCode = await runServe(args, io);
    })
    .command('exporter', 'Prometheus exporter (blackbox_exporter\'s multi-target pattern): /probe?target=&module= runs a STUN/TURN/TLS/browser probe and answers its metrics', exporterOptions, async (args) => {
      io.exitCode = await runExporter(args, io);
    })
    .command('lab', 'NAT lab (Linux, root): reproduce NATs and firewalls with network namespaces', (y) =>
      labCommand(y, io, (code) => (io.exitCode = code)),
    )
    .example('$0', 'Check an embedded local coturn: the whole product, no servers needed')
    .example('$0 check --config ice.json --html report.html', 'Check your own servers (a browser RTCConfiguration)')
    .example('$0 serve --config ice.json', 'Give people a link that tests your servers from their browser')
    .example('$0 report report.json --html report.html', 'Re-render a saved report')
    .middleware((parsed) => rejectNotANumber(cli, parsed, argv), true)
    .demandCommand(0)
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, io.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
}

/**
 * yargs turns `--timeout abc` into NaN and lets it through: name the flag and what was given
 * instead, before any command sees it.
 */
function rejectNotANumber({ UsageError, echoInput }: Cli, parsed: Record<string, unknown>, argv: readonly string[]): void {
  for (const [key, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!values.some((v) => typeof v === 'number' && Number.isNaN(v)) || /[A-Z]/.test(key)) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key}`;
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    const given = i < 0 ? undefined : argv[i]?.startsWith(`${flag}=`) ? argv[i]?.slice(flag.length + 1) : argv[i + 1];
    throw new UsageError(`${flag} ${given === undefined ? 'needs a number' : `"${echoInput(given)}" is not a number`}`);
  }
}

/** yargs reads a lone "-" as a positional; "--json -" (stdout) is the one place it is a value. */
export function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--json' && argv[i + 1] === '-') {
      out.push('--json=-');
      i++;
    } else out.push(a);
  }
  return out;
}

/** Runs the CLI; never throws; returns the exit code. */
export async function main(argv: string[], given?: Io): Promise<number> {
  const cli = await loadCli();
  const { ConfigError, EXIT, OutputError, UsageError, exitCodeFor, oneLine } = cli;
  const io = given ?? cli.consoleIo();
  try {
    await build(cli, joinDashValues(argv), io).parseAsync();
    return io.exitCode ?? EXIT.ok;
  } catch (err) {
    const code = exitCodeFor(err);
    // One problem is one bounded line: inputs in it are escaped, yargs' own line breaks folded.
    if (err instanceof ConfigError) for (const p of err.problems) io.err(`iceprobe: config error: ${oneLine(p)}`);
    else if (err instanceof OutputError) for (const p of err.problems) io.err(`iceprobe: ${oneLine(p)}`);
    else if (code === EXIT.usage) io.err(`iceprobe: ${oneLine((err as Error).message)}${err instanceof UsageError ? ' (see iceprobe --help)' : ''}`);
    else if (code === EXIT.interrupted) io.err('iceprobe: interrupted');
    else io.err(`iceprobe: internal error: ${(err as Error)?.stack ?? String(err)}\nThis is a bug; please report it with the command you ran.`);
    return code;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  // Keep V8's young generation at its initial 1 MB semi-spaces: left to grow (to 16 MB each)
  // while playwright-core's bundles load, it stays committed for the whole run (issue 15:
  // ~15 MB of the CLI's PSS). Read by V8 each time it would grow, so it works set here.
  setFlagsFromString('--semi-space-growth-factor=1');
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything iceprobe starts is closed by now; if a stray handle still holds the event loop,
    // do not let it turn into a hang.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
}
