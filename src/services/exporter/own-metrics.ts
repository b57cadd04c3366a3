/**
 * The exporter's own /metrics: probes run (by module and result), in flight, refused, their
 * durations, browser restarts, config reloads, and the process metrics every Prometheus client
 * library exports (process_cpu_seconds_total, process_resident_memory_bytes, …) with the same
 * names and meanings. Module labels come from the config (bounded by it); the browser metrics
 * carry a `browser` label per engine the modules use (chromium, firefox: at most two).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { EngineName } from '../../core/ids.js';
import { VERSION } from '../../core/version.js';
import { counter, gauge, histogramSamples, type MetricFamily } from './exposition.js';
import type { RestartReason } from './browser-pool.js';

/** Seconds: from a fast STUN answer to a call that uses its whole budget. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

export type ProbeResultLabel = 'success' | 'failure';

/** One engine's warm browser, as /metrics shows it. */
export interface BrowserState {
  engine: EngineName;
  up: boolean;
  launches: number;
  /** Resident memory of its processes; null when it is not running or unknown (not Linux). */
  rss: number | null;
}

const RESTART_REASONS: readonly RestartReason[] = ['died', 'probes', 'memory'];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ExporterMetrics {
  private readonly probes = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly restarts = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  private reloadOk = 1;
  private reloadAt = Date.now() / 1000;
  private readonly startS = Date.now() / 1000 - process.uptime();

  constructor(private readonly live: { inFlight: () => number; maxInFlight: () => number; browsers: () => readonly BrowserState[] }) {}

  probeDone(module: string, result: ProbeResultLabel, durationS: number): void {
    const key = `${module}\u0000${result}`;
    this.probes.set(key, (this.probes.get(key) ?? 0) + 1);
    const h = this.durations.get(module) ?? { counts: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
    const i = DURATION_BUCKETS.findIndex((le) => durationS <= le);
    if (i >= 0) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += durationS;
    h.count++;
    this.durations.set(module, h);
  }

  /** A /probe refused before it ran: `in_flight_limit` (503) or `bad_request` (400). */
  probeRejected(reason: 'in_flight_limit' | 'bad_request'): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  browserRestarted(engine: EngineName, reason: RestartReason): void {
    const key = `${engine}\u0000${reason}`;
    this.restarts.set(key, (this.restarts.get(key) ?? 0) + 1);
  }

  reloaded(ok: boolean): void {
    this.reloadOk = ok ? 1 : 0;
    if (ok) this.reloadAt = Date.now() / 1000;
  }

  families(): MetricFamily[] {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const browsers = this.live.browsers();
    return [
      gauge('iceprobe_exporter_build_info', 'The iceprobe version (value always 1)', [{ labels: { version: VERSION, nodejs: process.version }, value: 1 }]),
      counter('iceprobe_exporter_probes_total', 'Probes run, by module and result', [...this.probes].map(([k, v]) => {
        const [module = '', result = ''] = k.split('\u0000');
        return { suffix: '', labels: { module, result }, value: v };
      })),
      counter('iceprobe_exporter_probes_rejected_total', 'Probe requests refused before running: in_flight_limit (HTTP 503) or bad_request (HTTP 400)', (['in_flight_limit', 'bad_request'] as const).map((reason) => ({ labels: { reason }, value: this.rejected.get(reason) ?? 0 }))),
      gauge('iceprobe_exporter_probes_in_flight', 'Probes running now', [{ value: this.live.inFlight() }]),
      gauge('iceprobe_exporter_probes_max_in_flight', 'The configured bound on probes in flight', [{ value: this.live.maxInFlight() }]),
      {
        name: 'iceprobe_exporter_probe_duration_seconds',
        help: 'Probe durations by module, in seconds',
        type: 'histogram',
        samples: [...this.durations].flatMap(([module, h]) => histogramSamples(DURATION_BUCKETS, h.counts, Math.round(h.sum * 1e6) / 1e6, h.count, { module })),
      },
      counter('iceprobe_exporter_browser_restarts_total', 'Warm browser replacements, by engine: died, probes (use count reached) or memory (RSS bound reached)', browsers.flatMap((b) => RESTART_REASONS.map((reason) => ({ labels: { browser: b.engine, reason }, value: this.restarts.get(`${b.engine}\u0000${reason}`) ?? 0 })))),
      counter('iceprobe_exporter_browser_launches_total', 'Browsers launched, by engine (the first one included)', browsers.map((b) => ({ labels: { browser: b.engine }, value: b.launches }))),
      gauge('iceprobe_exporter_browser_up', 'Whether the engine\'s warm browser is running (each starts with the first probe that needs it)', browsers.map((b) => ({ labels: { browser: b.engine }, value: b.up ? 1 : 0 }))),
      gauge('iceprobe_exporter_browser_resident_memory_bytes', 'Resident memory of the engine\'s browser processes (Linux)', browsers.flatMap((b) => (b.rss === null ? [] : [{ labels: { browser: b.engine }, value: b.rss }]))),
      gauge('iceprobe_exporter_config_last_reload_successful', 'Whether the last configuration reload succeeded', [{ value: this.reloadOk }]),
      gauge('iceprobe_exporter_config_last_reload_success_timestamp_seconds', 'When the configuration was last loaded successfully (unix seconds)', [{ value: Math.round(this.reloadAt) }]),
      ...processFamilies(this.startS, mem, cpu),
    ];
  }
}

function procStat(): { vsize: number } | null {
  try {
    // /proc/self/stat: field 23 is vsize (bytes); the comm field (2) may contain spaces, so split after ')'.
    const rest = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { vsize: Number(rest[20]) };
  } catch {
    return null;
  }
}

function fds(): { open: number; max: number } | null {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return { open, max: m ? Number(m[1]) : NaN };
  } catch {
    return null;
  }
}

/** The standard process_* metrics (as client_golang / prom-client name them) and Node's heap. */
export function processFamilies(startS: number, mem: NodeJS.MemoryUsage, cpu: NodeJS.CpuUsage): MetricFamily[] {
  const stat = procStat();
  const fd = fds();
  return [
    counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds', [{ value: (cpu.user + cpu.system) / 1e6 }]),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes', [{ value: mem.rss }]),
    gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes', stat && Number.isFinite(stat.vsize) ? [{ value: stat.vsize }] : []),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds', [{ value: Math.round(startS) }]),
    gauge('process_open_fds', 'Number of open file descriptors', fd ? [{ value: fd.open }] : []),
    gauge('process_max_fds', 'Maximum number of open file descriptors', fd && Number.isFinite(fd.max) ? [{ value: fd.max }] : []),
    gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes', [{ value: mem.heapUsed }]),
    gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated, in bytes', [{ value: mem.heapTotal }]),
    gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, in bytes', [{ value: mem.external }]),
  ];
}
