/**
 * `iceprobe nat --url stun:host[:port]`: RFC 5780 NAT behaviour discovery against one server,
 * printed as a verdict (mapping, filtering, classic label, what it means for calls), or the
 * nat check as JSON.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { onInterrupt } from '../core/lifecycle.js';
import { EXIT, exitCodeForSignal, OutputError, UsageError, echoInput, readFailure, type StopSignal } from '../core/errors.js';
import { MAX_LIFETIME_SECONDS } from '../probes-node/nat-limits.js';
import type { Check } from '../core/schema.js';
import { parseIceUri } from '../core/uri.js';
import type { Io } from './io.js';

export function natOptions(y: Argv) {
  return y
    .options({
      url: { type: 'string', describe: 'The STUN server: stun:host[:port] (needs RFC 5780: two IP addresses)', demandOption: true },
      'nat-lifetime': { type: 'number', describe: `Also measure how long an idle mapping lives, up to this many seconds (max ${MAX_LIFETIME_SECONDS})` },
      timeout: { type: 'number', default: 5_000, describe: 'Bound for the first Binding, in ms' },
      family: { choices: [4, 6] as const, describe: 'Address family when the host has both (default: IPv4 first)' },
      json: { type: 'string', describe: 'Write the nat check as JSON to this file (- for stdout)' },
    })
    .example('$0 nat --url stun:stun.example.com', 'Mapping, filtering and hairpinning of this machine\'s NAT toward one RFC 5780 server')
    .example('$0 nat --url stun:stun.example.com:3478 --nat-lifetime 120 --json nat.json', 'Also measure how long an idle mapping lives (up to 2 min)');
}

export interface NatArgs {
  url: string;
  natLifetime?: number | undefined;
  timeout: number;
  family?: 4 | 6 | undefined;
  json?: string | undefined;
}

const line = (label: string, value: unknown) => `  ${label.padEnd(13)} ${String(value)}`;

/** The verdict as text. Pure. */
export function renderNatCheck(c: Check): string {
  const d = c.details;
  const ev = (d.evidence ?? {}) as Record<string, unknown>;
  const lt = d.lifetime as { aliveAfterSeconds: number | null; expiredBySeconds: number | null; problem?: string } | undefined;
  const out = [`NAT behaviour toward ${c.target}: ${c.code} (${c.status})`];
  out.push(line('mapping', d.mapping ?? 'unknown'), line('filtering', d.filtering ?? 'unknown'), line('classic', d.classicLabel ?? 'unknown'));
  if (d.hairpinning !== undefined) out.push(line('hairpinning', d.hairpinning ? 'yes' : 'no'));
  if (d.natPresent === false) out.push(line('NAT', 'none (the mapped address is this host\'s own)'));
  if (lt) {
    out.push(
      line(
        'lifetime',
        lt.problem
          ? `not measured: ${lt.problem}`
          : lt.expiredBySeconds !== null
            ? `alive after ${lt.aliveAfterSeconds ?? 0} s idle, gone by ${lt.expiredBySeconds} s`
            : `alive after ${lt.aliveAfterSeconds ?? 0} s idle (the bound)`,
      ),
    );
  }
  for (const [k, label] of [
    ['testI', 'test I'],
    ['filterII', 'filter II'],
    ['filterIII', 'filter III'],
    ['mapII', 'mapping II'],
    ['mapIII', 'mapping III'],
  ] as const) {
    const t = ev[k] as { outcome?: string; mapped?: string | null; from?: string | null; errorCode?: number | null } | null | undefined;
    if (!t) continue;
    const what = t.outcome === 'answer' ? `mapped ${t.mapped ?? '-'} (answer from ${t.from ?? '?'})` : t.outcome === 'error' ? `error ${t.errorCode ?? '?'}` : (t.outcome ?? '?');
    out.push(line(label, what));
  }
  if (typeof d.meaning === 'string') out.push('', d.meaning);
  if (Array.isArray(d.notes) && d.notes.length > 0) out.push(`Notes: ${d.notes.join('; ')}`);
  if (typeof d.advice === 'string') out.push(`Advice: ${d.advice}`);
  return `${out.join('\n')}\n`;
}

export async function runNat(args: NatArgs, io: Io): Promise<number> {
  const parsed = parseIceUri(args.url);
  if (!parsed.ok) throw new UsageError(`--url ${parsed.problem}`);
  const uri = parsed.uri;
  if (uri.transport !== 'udp' || (uri.scheme !== 'stun' && uri.scheme !== 'turn')) throw new UsageError('--url must be a stun: URL (or turn: over UDP): RFC 5780 discovery runs over UDP');
  if (args.natLifetime !== undefined && (!Number.isFinite(args.natLifetime) || args.natLifetime < 1 || args.natLifetime > MAX_LIFETIME_SECONDS)) {
    throw new UsageError(`--nat-lifetime must be 1-${MAX_LIFETIME_SECONDS} seconds`);
  }
  if (!Number.isFinite(args.timeout) || args.timeout < 100) throw new UsageError('--timeout must be at least 100 ms');
  if (args.json !== undefined && args.json !== '-') {
    const { writeProblem } = await import('../../reports/write.js');
    const why = writeProblem(args.json);
    if (why !== null) throw new OutputError([`--json ${echoInput(args.json)}: ${why}`]);
  }
  io.progress?.(`probing ${uri.canonical}${args.natLifetime ? ` (lifetime up to ${args.natLifetime} s)` : ''}…`);
  // Ctrl-C stops the probe; what it saw so far is still printed, and the exit is 130.
  const controller = new AbortController();
  // The signal that stopped the run picks the exit code: Ctrl-C 130, SIGTERM 143 (as every command).
  let stoppedBy: StopSignal = 'SIGINT';
  const stopListening = onInterrupt((signal) => {
    stoppedBy = signal;
    controller.abort(new Error('interrupted'));
  });
  const { runNatProbe } = await import('../probes-node/nat.js');
  const check = await runNatProbe(uri, {
    signal: controller.signal,
    timeoutMs: args.timeout,
    ...(args.natLifetime !== undefined ? { lifetimeMaxSeconds: args.natLifetime } : {}),
    ...(args.family !== undefined ? { family: args.family } : {}),
  });
  stopListening();
  io.progress?.(null);
  if (args.json === '-') io.out(JSON.stringify(check, null, 2));
  else {
    let failure: OutputError | null = null;
    if (args.json !== undefined) {
      try {
        writeFileSync(args.json, `${JSON.stringify(check, null, 2)}\n`);
      } catch (e) {
        failure = new OutputError([`--json ${echoInput(args.json)}: not written (${readFailure(e)})`]);
      }
    }
    io.out(renderNatCheck(check));
    if (failure) throw failure;
  }
  if (controller.signal.aborted) {
    io.err('iceprobe: interrupted: the verdict holds what was measured until then');
    return exitCodeForSignal(stoppedBy);
  }
  return check.status === 'fail' ? EXIT.checkFailed : EXIT.ok;
}
