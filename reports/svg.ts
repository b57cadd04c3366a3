/**
 * Inline SVG charts, drawn on the server: no script, no external resource. Horizontal positions
 * are percentages of the chart's width and vertical ones are pixels, so a chart fills any width
 * (a 375 px phone or a printed page) while its text keeps a readable size.
 */
import type { Call } from '../src/core/schema.js';
import { escapeHtml } from './escape.js';
import { fmtMs } from './model.js';

const PALETTE = ['#3b6fd1', '#1f9d8b', '#8a5cd1', '#d1812b', '#c2417a', '#4f8f2f', '#6b7280'];

const pct = (x: number) => `${(Math.round(x * 100) / 100).toString()}%`;

/** A round upper bound for an axis: 1, 2, 2.5 or 5 × 10^n, at least `v`. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const exp = Math.floor(Math.log10(v));
  const base = 10 ** exp;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= v) return m * base;
  return 10 * base;
}

const ROW = 30;

/**
 * The setup phases in the order they can happen (probes/call.ts records them). Each is an event
 * stamped when it fired, except `first-check`, which the page notices by polling getStats: it
 * can be stamped after ICE connected although the check itself came before.
 */
export const CAUSAL_PHASES = [
  'signaling-connected',
  'offer-created',
  'offer-received',
  'answer-sent',
  'answer-received',
  'first-check',
  'ice-connected',
  'dtls-connected',
  'datachannel-open',
] as const;

export interface WaterfallPlan {
  /** Drawn, in causal order, each with its observed time. */
  drawn: { name: string; atMs: number }[];
  /** Recorded but not drawn: stamped after a phase that must come later, so its real time is unknown. */
  late: { name: string; atMs: number; before: string }[];
}

/**
 * What the waterfall may draw: the phases in causal order, keeping only those whose stamp is
 * consistent with it (no later than any phase that must follow). A phase noticed late
 * (polling) is left out and reported, so the chart never shows an order that cannot happen.
 * Phases this version does not know go where their time puts them.
 */
export function planWaterfall(phases: readonly { name: string; atMs: number }[]): WaterfallPlan {
  const rank = (n: string) => (CAUSAL_PHASES as readonly string[]).indexOf(n);
  const known = phases.filter((p) => rank(p.name) >= 0).sort((a, b) => rank(a.name) - rank(b.name));
  const drawn: { name: string; atMs: number }[] = [];
  const late: WaterfallPlan['late'] = [];
  known.forEach((p, i) => {
    const after = known.slice(i + 1).find((q) => q.atMs < p.atMs);
    if (after) late.push({ name: p.name, atMs: p.atMs, before: after.name });
    else drawn.push({ name: p.name, atMs: p.atMs });
  });
  for (const u of phases.filter((p) => rank(p.name) < 0)) {
    const at = drawn.findIndex((d) => d.atMs > u.atMs);
    drawn.splice(at < 0 ? drawn.length : at, 0, { name: u.name, atMs: u.atMs });
  }
  return { drawn, late };
}

/** The sentence for a phase left out of the chart (also shown under it in the HTML). */
export function lateText(l: WaterfallPlan['late'][number]): string {
  return `${l.name} not drawn: polling getStats noticed it at ${fmtMs(l.atMs)}, after ${l.before}, but it happened before ${l.before} at a time not measured`;
}

/**
 * Setup waterfall: one row per observed phase in causal order, a bar from the previous phase to
 * this one, the label on the left and `+Δ` / `@t` on the right; times are since the call started
 * (before it connected to the signaling relay). A failed call ends with a red row naming the
 * phase. A phase noticed only after a later one is not drawn; the chart's title says so.
 */
export function waterfallSvg(call: Call): string {
  const { drawn: phases, late } = planWaterfall(call.setup.phases);
  const lateNote = late.map(lateText);
  const rows: { name: string; from: number; to: number; failed: boolean }[] = phases.map((p, i) => ({
    name: p.name,
    from: i === 0 ? 0 : (phases[i - 1]?.atMs ?? 0),
    to: p.atMs,
    failed: false,
  }));
  const last = phases.at(-1)?.atMs ?? 0;
  const end = Math.max(call.setup.totalMs ?? 0, last, 1);
  if (call.failedPhase !== null) rows.push({ name: `✗ ${call.failedPhase}`, from: last, to: end, failed: true });
  const domain = niceCeil(end);
  const x = (ms: number) => 100 * (ms / domain);
  const axisY = rows.length * ROW + 4;
  const height = axisY + 22;
  const label = `Setup timeline of call ${call.id}: ${rows.length} phases since the call started, ${call.setup.totalMs === null ? 'not completed' : `total ${fmtMs(call.setup.totalMs)}`}`;

  const parts: string[] = [];
  parts.push(
    `<svg class="chart waterfall" role="img" aria-label="${escapeHtml([label, ...lateNote].join('. '))}" width="100%" height="${height}" data-phases="${phases.length}">`,
    `<title>${escapeHtml([label, ...lateNote].join('. '))}</title>`,
  );
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line class="grid" x1="${pct(t * 100)}" x2="${pct(t * 100)}" y1="0" y2="${axisY}"/>`);
  }
  rows.forEach((r, i) => {
    const y = i * ROW;
    const color = r.failed ? '#c62828' : PALETTE[i % PALETTE.length];
    const w = Math.max(x(r.to) - x(r.from), 0.6);
    const startX = Math.min(x(r.from), 100 - w);
    const right = r.failed ? 'did not complete' : `+${fmtMs(r.to - r.from)} · at ${fmtMs(r.to)}`;
    parts.push(
      `<g class="phase${r.failed ? ' failed' : ''}">`,
      `<text class="phase-name" x="0" y="${y + 12}">${escapeHtml(r.name)}</text>`,
      `<text class="phase-time" x="100%" y="${y + 12}" text-anchor="end">${escapeHtml(right)}</text>`,
      `<rect class="bar" x="${pct(startX)}" y="${y + 16}" width="${pct(w)}" height="9" rx="2" fill="${color}"><title>${escapeHtml(`${r.name}: ${right}`)}</title></rect>`,
      `</g>`,
    );
  });
  parts.push(`<line class="axis" x1="0" x2="100%" y1="${axisY}" y2="${axisY}"/>`);
  for (const t of [0, 0.5, 1]) {
    const anchor = t === 0 ? 'start' : t === 1 ? 'end' : 'middle';
    parts.push(`<text class="tick" x="${pct(t * 100)}" y="${axisY + 16}" text-anchor="${anchor}">${escapeHtml(fmtMs(t * domain))}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

const PLOT_TOP = 22;
const PLOT_BOTTOM = 176;
const X_PAD = 1.5;

interface Point {
  atMs: number;
  bitsPerSecond: number;
  rttMs: number | null;
}

/**
 * Throughput over time. The main series is what the callee received per sampling interval (its
 * application's count, else its transport's), the series the headline is made of, drawn with a
 * point per interval and a dashed line at the headline itself; the sender's counter is a thin
 * second line, labelled as what it is (it also counts what the path dropped). Reports without the
 * callee's series draw the sender's counter alone. Gridlines in Mbit/s, time in seconds since
 * the transfer started.
 */
export function throughputSvg(call: Call): string {
  const t = call.throughput;
  const received: Point[] = (t?.receivedSamples ?? []).map((r) => ({ atMs: r.atMs, bitsPerSecond: r.appBitsPerSecond ?? r.bitsPerSecond, rttMs: null }));
  const sent: Point[] = [...(t?.samples ?? [])].sort((a, b) => a.atMs - b.atMs);
  const main = received.length > 0 ? received : sent;
  const second = received.length > 0 ? sent : [];
  const headline = received.length > 0 && t ? t.bitsPerSecond : null;
  const maxBps = Math.max(0, ...main.map((s) => s.bitsPerSecond), ...second.map((s) => s.bitsPerSecond), headline ?? 0);
  const yMax = niceCeil(maxBps / 1e6) * 1e6;
  const tMax = Math.max(t?.durationMs ?? 0, main.at(-1)?.atMs ?? 0, second.at(-1)?.atMs ?? 0, 1);
  const x = (ms: number) => X_PAD + (100 - 2 * X_PAD) * (ms / tMax);
  const y = (bps: number) => PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (yMax > 0 ? bps / yMax : 0);
  const what = received.length > 0 ? 'received per interval' : "the sender's counter";
  const label = `Throughput of call ${call.id} over ${(tMax / 1000).toFixed(1)} s, ${what}: ${main.length} samples, peak ${(Math.max(0, ...main.map((s) => s.bitsPerSecond)) / 1e6).toFixed(1)} Mbit/s${headline !== null ? `, ${(headline / 1e6).toFixed(1)} Mbit/s delivered` : ''}`;
  const parts: string[] = [
    `<svg class="chart throughput" role="img" aria-label="${escapeHtml(label)}" width="100%" height="${PLOT_BOTTOM + 34}" data-samples="${main.length}" data-series="${received.length > 0 ? 'received' : 'sent'}">`,
    `<title>${escapeHtml(label)}</title>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const gy = y(v);
    parts.push(`<line class="${k === 0 ? 'axis' : 'grid'}" x1="0" x2="100%" y1="${gy}" y2="${gy}"/>`);
    if (k > 0) parts.push(`<text class="tick" x="2" y="${gy - 3}">${escapeHtml(trimNum(v / 1e6))}</text>`);
  }
  parts.push(`<text class="axis-title" x="100%" y="12" text-anchor="end">Mbit/s</text>`);
  const line = (cls: string, pts: readonly Point[]) =>
    pts.forEach((s, i) => {
      const prev = pts[i - 1];
      if (prev) parts.push(`<line class="${cls}" x1="${pct(x(prev.atMs))}" y1="${y(prev.bitsPerSecond).toFixed(1)}" x2="${pct(x(s.atMs))}" y2="${y(s.bitsPerSecond).toFixed(1)}"/>`);
    });
  line('series sent', second);
  line('series', main);
  if (headline !== null) {
    const hy = y(headline).toFixed(1);
    parts.push(`<line class="headline" x1="0" x2="100%" y1="${hy}" y2="${hy}"/>`);
    parts.push(`<text class="tick headline-label" x="100%" y="${Number(hy) - 3}" text-anchor="end">${escapeHtml(`${(headline / 1e6).toFixed(1)} delivered`)}</text>`);
  }
  for (const s of main) {
    const tip = `${(s.atMs / 1000).toFixed(2)} s: ${(s.bitsPerSecond / 1e6).toFixed(1)} Mbit/s${received.length > 0 ? ' received' : ' sent'}${s.rttMs === null ? '' : `, RTT ${fmtMs(s.rttMs)}`}`;
    parts.push(`<circle class="point" cx="${pct(x(s.atMs))}" cy="${y(s.bitsPerSecond).toFixed(1)}" r="3"><title>${escapeHtml(tip)}</title></circle>`);
  }
  const ticks = 4;
  for (let k = 0; k <= ticks; k++) {
    const tk = (tMax * k) / ticks;
    const anchor = k === 0 ? 'start' : k === ticks ? 'end' : 'middle';
    parts.push(`<text class="tick" x="${pct(k === 0 ? 0 : k === ticks ? 100 : x(tk))}" y="${PLOT_BOTTOM + 15}" text-anchor="${anchor}">${escapeHtml(`${trimNum(tk / 1000)} s`)}</text>`);
  }
  parts.push(`<text class="axis-title" x="50%" y="${PLOT_BOTTOM + 31}" text-anchor="middle">time since the transfer started</text>`);
  if (main.length === 0) parts.push(`<text class="empty" x="50%" y="${(PLOT_TOP + PLOT_BOTTOM) / 2}" text-anchor="middle">no samples</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function trimNum(n: number): string {
  return Number(n.toFixed(n >= 10 ? 0 : 2)).toString();
}
