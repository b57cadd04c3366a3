#!/usr/bin/env node
/**
 * The iceprobe command line: a thin shell over the library. The one place where errors become
 * exit codes (exitCodeFor) and where anything is printed.
 *
 *   0  every check passed (warnings allowed unless --strict)
 *   1  a check failed (or, with --strict, warned)
 *   2  usage, configuration or environment error (one line each, naming the input and the fix)
 *   3  internal error (a bug: please report it)
 *   130 interrupted (a partial report is still written)
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, EXIT, UsageError, exitCodeFor } from './core/errors.js';
import { runCheckCommand, checkOptions } from './cli/check-command.js';
import { exporterOptions, runExporter } from './cli/exporter-command.js';
import { labCommand } from './cli/lab-command.js';
import { natOptions, runNat } from './cli/nat-command.js';
import { relayOptions, runRelay } from './cli/relay-command.js';
import { reportOptions, runReport } from './cli/report-command.js';
import { serveOptions, runServe } from './cli/serve-command.js';
import { VERSION } from './core/version.js';
import type { Io } from './cli/io.js';
import { consoleIo } from './cli/io.js';

function build(argv: string[], io: Io): Argv {
  return yargs(argv)
    .scriptName('iceprobe')
    .usage('$0 <command> [options]\n\nTells you why WebRTC connections fail and whether your STUN/TURN deployment really works.')
    .command(
      ['check', '$0'],
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
    .command('report <file>', 'Re-render a saved JSON report as a table, HTML, JUnit or Markdown', reportOptions, async (args) => {
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

/** Runs the CLI; never throws; returns the exit code. */
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

export async function main(argv: string[], io: Io = consoleIo()): Promise<number> {
  try {
    await build(joinDashValues(argv), io).parseAsync();
    return io.exitCode ?? EXIT.ok;
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof ConfigError) for (const p of err.problems) io.err(`iceprobe: config error: ${p}`);
    else if (code === EXIT.usage) io.err(`iceprobe: ${(err as Error).message.split('\n')[0]}${err instanceof UsageError ? ' (see iceprobe --help)' : ''}`);
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
  void main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
    // Everything iceprobe starts is closed by now; if a stray handle still holds the event loop,
    // do not let it turn into a hang.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
}
