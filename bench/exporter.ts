/**
 * `npm run bench:exporter`: the exporter under load, on this machine, against a local coturn.
 *
 *   - probes per second per module (requests through HTTP, `concurrency` at once, like several
 *     Prometheus targets scraped together), p50/p95 of probe_duration_seconds as the exporter
 *     reports it
 *   - the exporter process's RSS at start, after its first probes, and after ≥ 1,000 probes
 *     (steady memory is the claim), plus its browser's RSS for the browser modules
 *
 * The exporter runs as its own process (the built CLI), so its memory is its own. Writes
 * bench/exporter-results.json. Numbers, not gates; on a shared machine they are noisy.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/core/stats.js';
import { freePort, startCoturn } from '../src/servers/coturn.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const SCALE = Number(process.env.BENCH_EXPORTER_SCALE ?? 1);
const CONCURRENCY = Number(process.env.BENCH_EXPORTER_CONCURRENCY ?? 4);

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN);
}

interface ModuleFigure {
  module: string;
  probes: number;
  succeeded: number;
  probesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  medianRequestMs: number;
  /** The exporter process after this module's probes: RSS, and V8's heap in use. */
  rssAfterBytes: number;
  heapUsedAfterBytes: number;
}

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iceprobe-bench-exporter-'));
  const coturn = await startCoturn();
  writeFileSync(join(dir, 'ca.pem'), coturn.certPem ?? '');
  const creds = { type: 'env', usernameEnv: 'TURN_USER', passwordEnv: 'TURN_PASSWORD' };
  writeFileSync(
    join(dir, 'exporter.json'),
    JSON.stringify({
      maxInFlight: CONCURRENCY * 2,
      browser: { insecureTls: true },
      modules: { turns: { prober: 'turn', scheme: 'turns', caFile: join(dir, 'ca.pem'), credentials: creds }, tls: { prober: 'tls', caFile: join(dir, 'ca.pem') } },
    }),
  );
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'exporter', '--listen', `127.0.0.1:${port}`, '--config', join(dir, 'exporter.json')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TURN_USER: coturn.username, TURN_PASSWORD: coturn.password, ICEPROBE_USERNAME: coturn.username, ICEPROBE_CREDENTIAL: coturn.password },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/-/healthy`).catch(() => null))?.ok) break;
      if (i > 200) throw new Error('exporter did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = child.pid ?? 0;
    const rssStart = rssOf(pid);
    const udp = `127.0.0.1:${coturn.port}`;
    const tls = `127.0.0.1:${coturn.tlsPort}`;
    const plan: [string, string, number][] = [
      ['stun', udp, 300],
      ['turn_udp', udp, 300],
      ['turn_tcp', udp, 200],
      ['turns', tls, 100],
      ['tls', tls, 100],
      ['relay', udp, 60],
      ['gather', udp, 20],
      ['call', udp, 4],
    ];
    const figures: ModuleFigure[] = [];
    let total = 0;
    let rssAfterFirst = NaN;
    for (const [module, target, n0] of plan) {
      const n = Math.max(1, Math.round(n0 * SCALE));
      const durations: number[] = [];
      const requests: number[] = [];
      let ok = 0;
      let next = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (next < n) {
          next++;
          const r0 = performance.now();
          const body = await (await fetch(`${url}/probe?module=${module}&target=${encodeURIComponent(target)}`)).text();
          requests.push(performance.now() - r0);
          const d = /^probe_duration_seconds (\S+)$/m.exec(body);
          if (d) durations.push(Number(d[1]) * 1000);
          if (/^probe_success 1$/m.test(body)) ok++;
        }
      };
      // Browser modules one at a time: a call's throughput is the figure, not the CPU contention.
      await Promise.all(Array.from({ length: module === 'call' || module === 'gather' ? 1 : CONCURRENCY }, worker));
      const s = (performance.now() - t0) / 1000;
      total += n;
      if (Number.isNaN(rssAfterFirst)) rssAfterFirst = rssOf(pid);
      const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);
      figures.push({ module, probes: n, succeeded: ok, probesPerSecond: Math.round((n / s) * 10) / 10, p50Ms: Math.round(quantile(durations, 0.5) * 10) / 10, p95Ms: Math.round(quantile(durations, 0.95) * 10) / 10, medianRequestMs: Math.round(median(requests) * 10) / 10, rssAfterBytes: rssOf(pid), heapUsedAfterBytes: heap });
      console.error(`bench exporter: ${module}: ${n} probes, ${ok} ok, ${figures.at(-1)?.probesPerSecond}/s`);
    }
    const rssEnd = rssOf(pid);
    const own = await (await fetch(`${url}/metrics`)).text();
    const browserRss = Number(/^iceprobe_exporter_browser_resident_memory_bytes\{browser="chromium"\} (\S+)$/m.exec(own)?.[1] ?? NaN);
    const result = {
      at: new Date().toISOString(),
      machine: 'shared: 2 cores, 8 concurrent sessions building and testing (noisy)',
      concurrency: CONCURRENCY,
      totalProbes: total,
      figures,
      exporterRssBytes: { start: rssStart, afterFirstModule: rssAfterFirst, afterAll: rssEnd },
      browserRssBytes: browserRss,
    };
    writeFileSync(join(ROOT, 'bench', 'exporter-results.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`module      probes  ok     probes/s  p50 ms  p95 ms  RSS after  heap after`);
    for (const f of figures) console.log(`${f.module.padEnd(11)} ${String(f.probes).padStart(6)}  ${String(f.succeeded).padStart(5)}  ${String(f.probesPerSecond).padStart(8)}  ${String(f.p50Ms).padStart(6)}  ${String(f.p95Ms).padStart(6)}  ${mb(f.rssAfterBytes).padStart(9)}  ${mb(f.heapUsedAfterBytes).padStart(10)}`);
    console.log(`exporter RSS: ${mb(rssStart)} at start, ${mb(rssAfterFirst)} after the first ${figures[0]?.probes} probes, ${mb(rssEnd)} after ${total}; browser ${Number.isNaN(browserRss) ? 'n/a' : mb(browserRss)}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await coturn.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
