/**
 * The robustness tier's harness: a seeded generator, the built CLI as a process in a private
 * TMPDIR (so every temp dir it makes is ours to inspect), and the promises every case must keep
 * (issue 14): exit code in {0, 1, 2, 130}, never 3; one bounded line per problem; bounded wall
 * time; no secret in any output; no process or temp dir left behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeForSignal } from '../../src/core/errors.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** mulberry32: small, seeded, reproducible. */
export function rng(seed: number): { next: () => number; int: (n: number) => number; pick: <T>(xs: readonly T[]) => T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)] as (typeof xs)[number] };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  tmp: string;
  pid: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called once the process is spawned (to send it signals). */
  onSpawn?: (pid: number) => void;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<Run> {
  const tmp = mkdtempSync(join(tmpdir(), 'iceprobe-robust-'));
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TMPDIR: tmp, ...(opts.env ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    opts.onSpawn?.(child.pid ?? 0);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, tmp, pid: child.pid ?? 0 });
    });
  });
}

/** Processes whose command line mentions `needle` (a case's private TMPDIR). */
export function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${d} ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function waitFor(cond: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = performance.now() + boundMs;
  while (performance.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** What a case broke, as readable lines; empty when it kept every promise. */
export function problemsOf(r: Run, o: { secrets?: readonly string[]; files?: readonly string[]; maxMs: number; exit?: readonly number[] }): string[] {
  const bad: string[] = [];
  const allowed = o.exit ?? [0, 1, 2, 130];
  // Death by SIGINT/SIGTERM is what a shell reports as 130/143. Node's own exit path restores the
  // default disposition when it closes its signal handles, so a second Ctrl-C landing in those last
  // milliseconds ends the process by the signal itself (CI, "SIGINT twice", 200 ms apart, after the
  // partial report was written); no JavaScript runs there to prevent it.
  const code = r.code ?? (r.signal === 'SIGINT' || r.signal === 'SIGTERM' ? exitCodeForSignal(r.signal) : null);
  if (code === null || !allowed.includes(code)) bad.push(`exit ${r.code ?? r.signal}, want one of ${allowed.join('/')}`);
  if (r.ms > o.maxMs) bad.push(`took ${Math.round(r.ms)} ms > ${o.maxMs}`);
  for (const line of r.stderr.split('\n').filter((l) => l !== '')) {
    if (!line.startsWith('iceprobe: ')) bad.push(`stderr line not ours: ${JSON.stringify(line.slice(0, 100))}`);
    if (line.length > 800) bad.push(`stderr line of ${line.length} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line)) bad.push('control character in an error line');
  }
  if (/\n\s+at /.test(r.stderr)) bad.push('stack trace');
  const outputs: Record<string, string> = { stdout: r.stdout, stderr: r.stderr };
  for (const f of o.files ?? []) {
    try {
      outputs[f] = readFileSync(f, 'utf8');
    } catch {
      /* not written: the case says whether that is wrong */
    }
  }
  for (const s of o.secrets ?? []) for (const [name, text] of Object.entries(outputs)) if (text.toLowerCase().includes(s.toLowerCase())) bad.push(`secret in ${name}`);
  return bad;
}

/** Temp dirs and processes a finished run left in its private TMPDIR. */
export async function leftovers(r: Run, boundMs = 3_000): Promise<string[]> {
  await waitFor(() => readdirSync(r.tmp).length === 0 && processesMentioning(r.tmp).length === 0, boundMs);
  return [...readdirSync(r.tmp).map((d) => `temp ${d}`), ...processesMentioning(r.tmp).map((p) => `process ${p}`)];
}

export const tally = { tried: 0, clean: 0, failures: [] as string[] };

export function record(name: string, problems: readonly string[]): void {
  tally.tried++;
  if (problems.length === 0) tally.clean++;
  else tally.failures.push(`${name}: ${problems.join('; ')}`);
}
