/**
 * Prometheus text exposition format 0.0.4, written by hand
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
 *
 * Why not prom-client: the exporter answers each /probe with a fresh, per-scrape set of a dozen
 * gauges (blackbox_exporter's pattern), and its own /metrics with a few counters, one histogram
 * and the process metrics. That is this file plus own-metrics.ts, with no global registry to
 * reset between scrapes and no dependency; `promtool check metrics` (test/integration) is the
 * independent judge of the output.
 */

export type MetricType = 'gauge' | 'counter' | 'histogram' | 'untyped';

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: string;
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Go's ParseFloat spellings for the special values; integers without an exponent. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelsText(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  const parts = keys.map((k) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`internal: invalid label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabelValue(labels[k] ?? '')}"`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * Renders families in the order given. A family without samples is left out (its HELP/TYPE
 * alone says nothing); a name used twice or an invalid name is an internal error.
 */
export function render(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`internal: invalid metric name ${JSON.stringify(f.name)}`);
    if (seen.has(f.name)) throw new Error(`internal: metric family ${f.name} rendered twice`);
    seen.add(f.name);
    if (f.samples.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${s.suffix ?? ''}${labelsText(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

export function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: 'gauge', samples };
}

export function counter(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: 'counter', samples };
}

/** A cumulative histogram's samples from its bucket bounds, per-bucket counts (non-cumulative), sum and count. */
export function histogramSamples(bounds: readonly number[], counts: readonly number[], sum: number, count: number, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += counts[i] ?? 0;
    out.push({ suffix: '_bucket', labels: { ...labels, le: formatValue(le) }, value: cumulative });
  });
  out.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ suffix: '_sum', labels, value: sum });
  out.push({ suffix: '_count', labels, value: count });
  return out;
}
