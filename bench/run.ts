/**
 * `npm run bench`: iceprobe's figures side by side with the reference tools, on this machine,
 * in one run. Every figure is the median of BENCH_RUNS (default 5) runs with min and max.
 * Prints one table and writes bench/results.json. Not a test: numbers, not pass/fail gates —
 * the "target" column says what the figure is aimed at and whether it was met.
 *
 *   1. CLI cold start (`iceprobe --help`)
 *   2. Time to verdict: `iceprobe check` on the embedded default, whole process (browser and coturn
 *      start included), without and with calls; and with one unreachable URL added
 *   3. Protocol probes vs coturn's own tools on the same server: STUN binding vs
 *      turnutils_stunclient; TURN allocate over udp/tcp/tls vs turnutils_uclient
 *   4. Call setup time per transport, and data-channel throughput per transport next to the
 *      ceiling measured by a minimal two-peer page on the same server in the same run
 *   5. Scale: `iceprobe check` with 1, 10 and ~50 URLs (time and peak memory of the process tree)
 *   6. Relay capacity (idle connections held, messages/s, memory)
 *   7. NAT lab (root only): throughput measured by iceprobe vs the tbf rate set
 */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { BrowserOwner } from '../src/browser/owner.js';
import { planCalls } from '../src/browser/calls.js';
import { runCall } from '../src/browser/call-runner.js';
import { startCoturn, freePort, type Coturn } from '../src/servers/coturn.js';
import type { ServerSpec } from '../src/config/config.js';
import { startProbeServer } from '../src/browser/page-server.js';
import { runProtocolProbes } from '../src/probes-node/index.js';
import { reportedRelayRate } from '../src/services/lab/expect.js';
import { loadScenario } from '../src/services/lab/scenario.js';
import { Report } from '../src/core/schema.js';
import { startRelay } from '../src/servers/relay/server.js';
import { median } from '../src/core/stats.js';
import { parseIceUri } from '../src/core/uri.js';
import { benchRelay } from './relay.js';
import type { CeilingResult } from '../probes/ceiling.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');

interface Figure {
  group: string;
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  reference?: { name: string; median: number; min: number; max: number };
  /** iceprobe / reference. */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
  /** The same figure in the committed bench/results.json this run replaces (or given). */
  previous?: { median: number; note?: string };
}

/** What the last committed run measured, by figure name (read before this run overwrites it). */
const PREVIOUS: Map<string, number> = (() => {
  try {
    const old = JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as { figures?: { name: string; median: number }[] };
    return new Map((old.figures ?? []).map((f) => [f.name, f.median]));
  } catch {
    return new Map();
  }
})();

const figures: Figure[] = [];
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: median(s), min: s[0] ?? 0, max: s.at(-1) ?? 0, runs: s.length };
}

type FigureSpec = Omit<Figure, 'median' | 'min' | 'max' | 'runs'> & { previousName?: string; previousNote?: string };

function add(spec: FigureSpec, xs: number[], ref?: { name: string; xs: number[] }) {
  const { previousName, previousNote, ...f } = spec;
  const own = stats(xs);
  const fig: Figure = { ...f, ...own };
  const before = PREVIOUS.get(previousName ?? f.name);
  if (!fig.previous && before !== undefined) fig.previous = { median: before, ...(previousNote ? { note: previousNote } : {}) };
  if (ref) {
    const r = stats(ref.xs);
    fig.reference = { name: ref.name, median: r.median, min: r.min, max: r.max };
    fig.ratio = r.median > 0 ? own.median / r.median : 0;
  }
  figures.push(fig);
  log(`${f.group} / ${f.name}: median ${own.median.toFixed(1)} ${f.unit}${ref ? ` (ref ${stats(ref.xs).median.toFixed(1)})` : ''}`);
}

function spec(url: string, username: string | null, credential: string | null): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username, credential, credentialSource: credential ? 'given' : 'none', origin: 'bench' };
}

/** A process and all its descendants, from /proc (ppid links). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * PSS (MB) of a process tree: each process's proportional set size from /proc/<pid>/smaps_rollup
 * (a page shared by n processes counts 1/n in each), summed. Unlike summed RSS, which counts
 * Chromium's shared binary and shared memory once per process, this adds up to what the tree
 * really holds.
 */
function treePssMb(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return (kb * 1024) / 1e6;
}

/** Runs the built CLI; returns wall ms, exit code and the tree's peak PSS (sampled every 100 ms). */
function cli(args: string[], env: Record<string, string> = {}, lock?: string): Promise<{ ms: number; code: number | null; peakMb: number; stdout: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const cmd: [string, string[]] = lock ? ['flock', [lock, process.execPath, CLI, ...args]] : [process.execPath, [CLI, ...args]];
    const child = spawn(cmd[0], cmd[1], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    let peak = 0;
    const timer = setInterval(() => child.pid && (peak = Math.max(peak, treePssMb(child.pid))), 100);
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ ms: performance.now() - t0, code, peakMb: peak, stdout });
    });
  });
}

function timeProcess(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ ms: number; ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ ms: performance.now() - t0, ok: !err, out: `${stdout}${stderr}` });
    });
  });
}

async function repeat<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}

async function benchCli(): Promise<void> {
  const help = await repeat(RUNS, () => cli(['--help']));
  add({ group: 'cli', name: 'iceprobe --help (cold start)', unit: 'ms', target: '< 300 ms' }, help.map((r) => r.ms));

  // Whole `iceprobe check` processes on the embedded default; each run's verdict is read back,
  // so a faster run that says something else shows up here rather than passing for a gain.
  const dir = mkdtempSync(join(tmpdir(), 'iceprobe-bench-check-'));
  try {
    const verdictRun = async (extra: string[], i: number) => {
      const out = join(dir, `r${i}.json`);
      const r = await cli(['check', '--quiet', '--json', out, ...extra]);
      let verdict = `exit ${r.code}`;
      let converged = 0;
      let dataPhases = 0;
      try {
        const report = Report.parse(JSON.parse(readFileSync(out, 'utf8')));
        verdict = report.findings.map((f) => f.code).join(',') || 'none';
        for (const c of report.checks) {
          // The one-sided call stops at its proof of delivery ('delivered'): it has no rate to converge.
          if (c.kind !== 'call' || c.details.dataStoppedBy === undefined || c.details.dataStoppedBy === 'delivered') continue;
          dataPhases++;
          if (c.details.dataStoppedBy === 'converged') converged++;
        }
      } catch (e) {
        log(`check ${extra.join(' ')}: ${(e as Error).message}`);
      }
      return { ...r, verdict, converged, dataPhases };
    };
    const verdicts = (runs: { verdict: string }[]) => {
      const all = new Map<string, number>();
      for (const r of runs) all.set(r.verdict, (all.get(r.verdict) ?? 0) + 1);
      return [...all].map(([v, n]) => `${v} ×${n}`).join('; ');
    };
    const noCalls = await repeat(RUNS, (i) => verdictRun(['--no-calls'], i));
    add(
      { group: 'time to verdict', name: 'check, embedded default, --no-calls (gather + protocol probes)', unit: 'ms', target: '≤ 2000 ms', note: `verdicts: ${verdicts(noCalls)}` },
      noCalls.map((r) => r.ms),
    );
    add(
      { group: 'memory', name: 'check --no-calls: peak PSS of the process tree', unit: 'MB', previousName: 'check --no-calls with 1 URL(s): peak memory (process tree)', previousNote: 'summed RSS' },
      noCalls.map((r) => r.peakMb),
    );
    const full = await repeat(RUNS, (i) => verdictRun([], i));
    const phases = full.reduce((a, r) => a + r.dataPhases, 0);
    add(
      {
        group: 'time to verdict',
        name: 'check, embedded default, with calls (relay udp/tcp/tls + policy all)',
        unit: 'ms',
        target: '≤ 6000 ms',
        previousName: 'check, embedded default, with 4 calls × 3 s data',
        note: `calls set up at once, data phases one after another until converged (cap --duration 3 s): ${full.reduce((a, r) => a + r.converged, 0)} of ${phases} data phases converged; verdicts: ${verdicts(full)}`,
      },
      full.map((r) => r.ms),
    );
    add(
      { group: 'memory', name: 'check with calls: peak PSS of the process tree', unit: 'MB', target: '≤ 400 MB', previous: { median: 670, note: 'PSS, issue 15' } },
      full.map((r) => r.peakMb),
    );
    const short = await repeat(RUNS, (i) => verdictRun(['--duration', '0.5'], i));
    add(
      { group: 'time to verdict', name: 'check, embedded default, with calls, --duration 0.5 (data phases capped at 0.5 s)', unit: 'ms', previousName: 'check, embedded default, 4 calls × 0.5 s data', note: `verdicts: ${verdicts(short)}` },
      short.map((r) => r.ms),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // One unreachable URL next to a healthy server: the bound must hold (Chromium alone waits ~40 s).
  const coturn = await startCoturn();
  try {
    const dead = await freePort();
    const timeout = 2_000;
    const base = ['check', '--no-calls', '--quiet', '--timeout', String(timeout), '--url', coturn.urls.stun, '--url', coturn.urls.turnUdp, '--username', coturn.username, '--credential', coturn.password];
    const healthy = await repeat(RUNS, () => cli(base));
    const withDead = await repeat(RUNS, () => cli([...base, '--url', `stun:127.0.0.1:${dead}`]));
    add({ group: 'time to verdict', name: `2 healthy URLs (--timeout ${timeout})`, unit: 'ms' }, healthy.map((r) => r.ms));
    const extra = withDead.map((r, i) => r.ms - (healthy[i]?.ms ?? 0));
    add(
      { group: 'time to verdict', name: `+1 unreachable URL: extra time over healthy`, unit: 'ms', target: `< ${timeout + 1000} ms (timeout + 1 s)` },
      extra,
    );
  } finally {
    await coturn.stop();
  }
}

async function benchProtocol(): Promise<void> {
  const c = await startCoturn();
  try {
    const u = c.username;
    const p = c.password;
    const one = async (url: string, cred: boolean) => {
      const t0 = performance.now();
      // The binding/allocate alone: the loss burst and RFC 5780 discovery are other measurements.
      const checks = await runProtocolProbes([spec(url, cred ? u : null, cred ? p : null)], { timeoutMs: 5_000, config: false, pathQuality: false, nat: false });
      const ms = performance.now() - t0;
      // (The turns: round also reports TLS_CERT_SELF_SIGNED: the bench server's certificate is self-signed.)
      if (checks.some((x) => x.status === 'fail' && x.kind !== 'tls-handshake')) log(`protocol probe failed for ${url}: ${checks.map((x) => x.code).join(',')}`);
      return ms;
    };
    await one(c.urls.stun, false); // warm-up
    const stunOwn = await repeat(RUNS, () => one(c.urls.stun, false));
    const stunRef = await repeat(RUNS, async () => (await timeProcess('turnutils_stunclient', ['-p', String(c.port), '127.0.0.1'])).ms);
    add({ group: 'protocol vs coturn tools', name: 'STUN binding (udp) vs turnutils_stunclient', unit: 'ms', target: '≤ reference', note: 'iceprobe in-process (DNS + binding); reference = whole process' }, stunOwn, { name: 'turnutils_stunclient', xs: stunRef });

    const uclient = (extra: string[], port: number) => ['-n', '1', '-m', '1', '-y', '-c', '-u', u, '-w', p, '-p', String(port), ...extra, '127.0.0.1'];
    for (const [t, url, extra, port] of [
      ['udp', c.urls.turnUdp, [], c.port],
      ['tcp', c.urls.turnTcp, ['-t'], c.port],
      ['tls', c.urls.turns ?? '', ['-t', '-S'], c.tlsPort ?? 0],
    ] as const) {
      const own = await repeat(RUNS, () => one(url, true));
      const ref = await repeat(RUNS, async () => (await timeProcess('turnutils_uclient', uclient([...extra], port))).ms);
      add(
        { group: 'protocol vs coturn tools', name: `TURN allocate (${t}) vs turnutils_uclient`, unit: 'ms', target: '≤ reference', note: 'iceprobe: DNS + Allocate (401 → auth) + Refresh(0), in-process; reference: uclient -n 1 -m 1 -y, whole process' },
        own,
        { name: 'turnutils_uclient', xs: ref },
      );
    }
    const round = await repeat(RUNS, async () => {
      const t0 = performance.now();
      await runProtocolProbes(
        [spec(c.urls.stun, null, null), spec(c.urls.turnUdp, u, p), spec(c.urls.turnTcp, u, p), spec(c.urls.turns ?? '', u, p)],
        { timeoutMs: 5_000, pathQuality: false, nat: false },
      );
      return performance.now() - t0;
    });
    add({ group: 'protocol vs coturn tools', name: 'full protocol round (DNS + STUN + TURN udp/tcp/tls + TLS)', unit: 'ms', target: '< 100 ms' }, round);
  } finally {
    await c.stop();
  }
}

async function openPage(b: BrowserOwner, origin: string): Promise<Page> {
  const page = await b.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction('window.iceprobe && window.iceprobe.ready === true', undefined, { polling: 10 });
  return page;
}

async function benchCalls(): Promise<void> {
  const c = await startCoturn();
  const b = await BrowserOwner.launch({ insecureTls: true });
  const srv = await startProbeServer();
  const relay = await startRelay({ host: '127.0.0.1', port: 0 });
  try {
    // Both peers in one page, as `iceprobe check` runs them (and as the minimal page does).
    const [caller, ceilingPage] = await Promise.all([openPage(b, srv.origin), openPage(b, srv.origin)]);
    const callee = caller;
    const u = c.username;
    const p = c.password;
    const servers = [spec(c.urls.turnUdp, u, p), spec(c.urls.turnTcp, u, p), spec(c.urls.turns ?? '', u, p)];
    const plans = planCalls(servers, servers.map((s) => ({ id: `gather:${s.uri.canonical}`, kind: 'gather', target: '', transport: null, status: 'pass', code: 'OK', durationMs: 0, details: {} })), () => true).filter((x) => x.policy === 'relay');
    const durationMs = 2_000;
    // One unmeasured call first: the first call in a fresh browser pays for process warm-up.
    if (plans[0]) await runCall({ caller, callee }, plans[0], { relayUrl: relay.url, setupTimeoutMs: 5_000, durationMs: 500, media: false });
    for (const plan of plans) {
      const setup: number[] = [];
      const own: number[] = [];
      const ceil: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Alternate which goes first, so neither always gets the warmer machine.
        const measureOwn = async () => {
          const { call } = await runCall({ caller, callee }, plan, { relayUrl: relay.url, setupTimeoutMs: 5_000, durationMs, media: false });
          if (call.setup.totalMs !== null) setup.push(call.setup.totalMs);
          if (call.throughput) own.push(call.throughput.bitsPerSecond / 1e6);
        };
        const measureCeiling = async () => {
          const s = plan.servers[0] as ServerSpec;
          const r = (await ceilingPage.evaluate(
            `window.iceprobe.ceiling(${JSON.stringify({ iceServers: [{ urls: s.uri.canonical, username: u, credential: p }], policy: 'relay', durationMs })})`,
          )) as CeilingResult;
          // The same window as iceprobe's headline: after the 1 s warm-up (the ramp-included figure is r.bitsPerSecond).
          if (r.ok) ceil.push(r.steadyBitsPerSecond / 1e6);
        };
        if (i % 2 === 0) {
          await measureOwn();
          await measureCeiling();
        } else {
          await measureCeiling();
          await measureOwn();
        }
      }
      add({ group: 'calls', name: `setup time, relay forced, TURN/${plan.transport}`, unit: 'ms', target: '< 300 ms' }, setup);
      add(
        { group: 'calls', name: `data-channel goodput, TURN/${plan.transport}, vs minimal two-peer page`, unit: 'Mbit/s', target: '≥ 0.8 × reference', note: `${durationMs / 1000} s transfers through the same coturn` },
        own,
        { name: 'minimal two-peer page', xs: ceil },
      );
    }
  } finally {
    await relay.close();
    await srv.close();
    await b.close();
    await c.stop();
  }
}

async function benchScale(): Promise<void> {
  const ips = Array.from({ length: 13 }, (_, i) => `127.0.0.${i + 1}`);
  const c: Coturn = await startCoturn({ listeningIps: ips, relayIp: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'iceprobe-bench-'));
  try {
    const urls = ips.flatMap((ip) => [`stun:${ip}:${c.port}`, `turn:${ip}:${c.port}?transport=udp`, `turn:${ip}:${c.port}?transport=tcp`, ...(c.tlsPort ? [`turns:${ip}:${c.tlsPort}?transport=tcp`] : [])]);
    const sizes = [1, 10, urls.length];
    const times: Record<number, number> = {};
    for (const n of sizes) {
      const cfg = join(dir, `ice-${n}.json`);
      writeFileSync(cfg, JSON.stringify({ iceServers: [{ urls: urls.slice(0, n), username: c.username, credential: c.password }], iceprobe: { insecureTls: true } }));
      const runs = await repeat(RUNS, () => cli(['check', '--config', cfg, '--no-calls', '--quiet']));
      add({ group: 'scale', name: `check --no-calls with ${n} URL(s): wall time`, unit: 'ms' }, runs.map((r) => r.ms));
      add({ group: 'scale', name: `check --no-calls with ${n} URL(s): peak PSS (process tree)`, unit: 'MB', previousName: `check --no-calls with ${n} URL(s): peak memory (process tree)`, previousNote: 'summed RSS' }, runs.map((r) => r.peakMb));
      times[n] = stats(runs.map((r) => r.ms)).median;
    }
    const big = sizes.at(-1) as number;
    figures.push({
      group: 'scale', name: `time(${big} URLs) / time(1 URL)`, unit: '×', median: (times[big] ?? 0) / (times[1] ?? 1), min: 0, max: 0, runs: 1, target: '< 3×',
    });
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchRelayCapacity(): Promise<void> {
  const r = await benchRelay({ connections: 10_000, log: (l) => log(l) });
  const rec = r as unknown as Record<string, unknown>;
  const num = (k: string) => (typeof rec[k] === 'number' ? (rec[k] as number) : NaN);
  figures.push({ group: 'relay', name: 'idle connections held', unit: 'conns', median: num('idleConnections'), min: num('idleConnections'), max: num('idleConnections'), runs: 1, target: '≥ 10,000' });
  figures.push({ group: 'relay', name: 'relay memory with them open (RSS)', unit: 'MB', median: num('rssMB'), min: num('rssMB'), max: num('rssMB'), runs: 1, target: '< 200 MB' });
  figures.push({ group: 'relay', name: 'relayed messages/s (client-bound on 2 cores)', unit: 'msg/s', median: num('messagesPerSecond'), min: num('messagesPerSecond'), max: num('messagesPerSecond'), runs: 1 });
}

async function benchLab(): Promise<void> {
  if (process.getuid?.() !== 0) {
    log('lab: not root, skipped');
    return;
  }
  const runs = Math.min(RUNS, 3);
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'iceprobe-bench-lab-'));
    const out = join(dir, 'r.json');
    // On a machine where several people share the lab, BENCH_LAB_LOCK names the flock(1) file every lab run takes.
    const r = await cli(['lab', 'run', 'rate-limited', '--json', out, '--quiet'], {}, process.env.BENCH_LAB_LOCK);
    try {
      const report = Report.parse(JSON.parse(readFileSync(out, 'utf8')));
      const rate = loadScenario('rate-limited').rateLimit?.bitsPerSecond ?? 0;
      // What crossed the shaper for the TURN/UDP call, judged as the lab judges it (src/services/lab/expect.ts):
      // the callee's steady receive rate plus its acknowledgements, in the shaper's own unit.
      const best = reportedRelayRate(report)?.steadyBitsPerSecond ?? 0;
      if (rate > 0 && best > 0) ratios.push(best / rate);
      else log(`lab run ${i}: exit ${r.code}, no throughput/rate found`);
    } catch (e) {
      log(`lab run ${i}: ${(e as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (ratios.length) add({ group: 'lab', name: 'rate-limited: TURN/UDP call rate through the shaper / tbf rate', unit: '×', target: '0.85–1.0' }, ratios);
}

function judge(): void {
  for (const f of figures) {
    if (!f.target) continue;
    const t = f.target;
    let m: RegExpMatchArray | null;
    if ((m = /^< ([\d,.]+)/.exec(t))) f.met = f.median < Number((m[1] ?? '').replace(/,/g, ''));
    if ((m = /^≤ ([\d,.]+)/.exec(t))) f.met = f.median <= Number((m[1] ?? '').replace(/,/g, ''));
    if (t === '≤ reference' && f.reference) f.met = f.median <= f.reference.median;
    if (t === '≥ 0.8 × reference' && f.ratio !== undefined) f.met = f.ratio >= 0.8;
    if (t === '0.85–1.0') f.met = f.median >= 0.85 && f.median <= 1.0;
    if (t === '≥ 10,000') f.met = f.median >= 10_000;
    if (t === '< 200 MB') f.met = f.median < 200;
    if (t === '< 3×') f.met = f.median < 3;
  }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function table(): string {
  const rows = figures.map((f) => [
    f.group,
    f.name,
    `${fmt(f.median)} ${f.unit}`,
    f.runs > 1 ? `${fmt(f.min)}–${fmt(f.max)}` : '',
    f.reference ? `${fmt(f.reference.median)} (${f.reference.name})` : '',
    f.ratio !== undefined ? fmt(f.ratio) : '',
    f.previous ? `${fmt(f.previous.median)}${f.previous.note ? ` (${f.previous.note})` : ''}` : '',
    f.target ? `${f.target} ${f.met === undefined ? '' : f.met ? '✓' : '✗'}` : '',
  ]);
  const head = ['group', 'figure', 'median', 'min–max', 'reference median', 'ratio', 'previous median', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const only = process.argv.slice(2);
  const parts: [string, () => Promise<void>][] = [
    ['cli', benchCli],
    ['protocol', benchProtocol],
    ['calls', benchCalls],
    ['scale', benchScale],
    ['relay', benchRelayCapacity],
    ['lab', benchLab],
  ];
  for (const [name, fn] of parts) {
    if (only.length && !only.includes(name)) continue;
    log(`— ${name}`);
    try {
      await fn();
    } catch (e) {
      log(`${name} failed: ${(e as Error).stack ?? e}`);
    }
  }
  judge();
  const results = { date: new Date().toISOString(), runsPerFigure: RUNS, machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, totalSeconds: (performance.now() - t0) / 1000, figures };
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(table());
  console.log(`\n${figures.length} figures in ${results.totalSeconds.toFixed(0)} s; written to bench/results.json`);
}

await main();
