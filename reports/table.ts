/**
 * The terminal view (cli-table3): checks, candidates, calls, findings with advice, and one
 * verdict line last, so the end of the output (what a 40-row terminal shows) is the verdict and
 * the findings. Fits `width` columns (default 100) without breaking a token (a URL, an address,
 * a code): each table has layouts from richest to leanest, and the first whose columns fit with
 * every token whole is drawn; free text wraps at spaces. Only a terminal narrower than the
 * leanest layout gets tokens broken. Colour only when asked (a TTY); report text is stripped of
 * control characters so a server's error reason cannot drive the user's terminal.
 */
import Table from 'cli-table3';
import type { Check, Report } from '../src/core/schema.js';
import { escapeTerminal as t } from './escape.js';
import { familySuffix } from './family.js';
import {
  countsText,
  fmtMbps,
  hostPort,
  keyDetail,
  originText,
  pairText,
  sortedFindings,
  verdictHeadline,
  verdictWord,
} from './model.js';

export interface TableOptions {
  color: boolean;
  /** Terminal width; default 100. */
  width?: number;
}

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', blue: '\u001b[34m', grey: '\u001b[90m' };
type Paint = (style: keyof typeof ANSI, s: string) => string;

export interface Col {
  head: string;
  /** Smallest width including padding. */
  min: number;
  /** Free text that wraps at spaces (and gives up width first); otherwise the cell is one token. */
  words?: boolean;
  align?: 'left' | 'right';
}

/** A table in one layout: its columns, rows, and optional full-width notes under some rows. */
interface Layout {
  cols: Col[];
  rows: string[][];
  /** Row index → a note drawn across the whole table under that row. */
  notes?: Map<number, string>;
}

const PAD = 2;
const len = (s: string) => [...s].length;
const longestLine = (s: string) => Math.max(0, ...s.split('\n').map(len));
const longestWord = (s: string) => Math.max(0, ...s.split(/\s+/).map(len));

/** Widest a column wants (its longest line) and the narrowest it can go without breaking a token. */
function columnNeeds(col: Col, cells: readonly string[]): { natural: number; floor: number } {
  const natural = Math.max(col.min, len(col.head) + PAD, ...cells.map((c) => longestLine(c) + PAD));
  const floor = col.words ? Math.max(longestWord(col.head) + PAD, ...cells.map((c) => longestWord(c) + PAD), 4) : natural;
  return { natural, floor: Math.min(floor, natural) };
}

/**
 * Column widths (with padding) that fit `width` including the n+1 border characters, with no
 * token broken; null when that is impossible. Free-text columns give up width first, widest first.
 */
export function fitColumns(cols: readonly Col[], rows: readonly (readonly string[])[], width: number): number[] | null {
  const avail = width - (cols.length + 1);
  const needs = cols.map((c, i) => columnNeeds(c, rows.map((r) => r[i] ?? '')));
  const widths = needs.map((n) => n.natural);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > avail) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      const w = widths[i] ?? 0;
      if (w > (needs[i]?.floor ?? w) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) return null;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

/** The last resort for a terminal narrower than every layout: shrink the widest columns, breaking tokens. */
function forceColumns(cols: readonly Col[], rows: readonly (readonly string[])[], width: number): number[] {
  const avail = width - (cols.length + 1);
  const widths = cols.map((c, i) => columnNeeds(c, rows.map((r) => r[i] ?? '')).natural);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > avail) {
    let widest = 0;
    widths.forEach((w, i) => {
      if (w > (widths[widest] ?? 0)) widest = i;
    });
    if ((widths[widest] ?? 0) <= 4) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

/**
 * Wraps text to `width` at spaces; a word longer than the line is broken only when it cannot
 * fit on a line of its own.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(/\s+/).filter((x) => x !== '')) {
      let word = w;
      if (line !== '' && len(line) + 1 + len(word) > width) {
        out.push(line);
        line = '';
      }
      while (len(word) > width) {
        if (line !== '') {
          out.push(line);
          line = '';
        }
        out.push([...word].slice(0, width).join(''));
        word = [...word].slice(width).join('');
      }
      line = line === '' ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out;
}

/** Paints a status word (colour does not change widths: cells are laid out before painting). */
function statusText(s: string, paint: Paint): string {
  const style = s === 'pass' ? 'green' : s === 'warn' ? 'yellow' : s === 'fail' ? 'red' : 'grey';
  return paint(style, s);
}

/** Draws the first layout that fits without breaking a token (or the last one, forced). */
function drawTable(layouts: readonly Layout[], width: number, paint: Paint, color: boolean, statusCol: number | null): string {
  let chosen: { layout: Layout; widths: number[] } | null = null;
  for (const layout of layouts) {
    const widths = fitColumns(layout.cols, layout.rows, width);
    if (widths) {
      chosen = { layout, widths };
      break;
    }
  }
  if (!chosen) {
    const last = layouts[layouts.length - 1] as Layout;
    chosen = { layout: last, widths: forceColumns(last.cols, last.rows, width) };
  }
  const { layout, widths } = chosen;
  const { cols } = layout;
  const cell = (content: string, i: number) => {
    const w = (widths[i] ?? PAD + 1) - PAD;
    return cols[i]?.words ? wrapText(content, w).join('\n') : wrapText(content.replace(/\s+/g, ' '), w).join('\n');
  };
  const table = new Table({
    head: cols.map((c, i) => paint('bold', cell(c.head, i))),
    colWidths: widths,
    colAligns: cols.map((c) => c.align ?? 'left'),
    wordWrap: false,
    // compact: a rule under the header only, none between body rows.
    style: { head: [], border: color ? ['grey'] : [], 'padding-left': 1, 'padding-right': 1, compact: true },
  });
  const inner = widths.reduce((a, b) => a + b, 0) + widths.length - 1 - PAD;
  layout.rows.forEach((r, ri) => {
    table.push(r.map((content, i) => (i === statusCol ? statusText(content, paint) : cell(content, i))));
    const note = layout.notes?.get(ri);
    if (note !== undefined) {
      const text = wrapText(note, inner - 2)
        .map((l, k) => `${k === 0 ? '↳' : ' '} ${l}`)
        .join('\n');
      table.push([{ colSpan: cols.length, content: paint('dim', text) }]);
    }
  });
  return table.toString();
}

/**
 * `turn:h:3478?transport=udp` → `turn:h:3478` when the transport column already says udp (and
 * `turns:…?transport=tcp` when it says tls): the same information in less width.
 */
export function shortTarget(target: string, transport: string | null): string {
  const m = /^(turns?:[^?]+)\?transport=(udp|tcp)$/.exec(target);
  if (!m || transport === null) return target;
  const implied = target.startsWith('turns:') ? 'tls' : m[2];
  return implied === transport ? (m[1] ?? target) : target;
}

/** `turn:h:3478?transport=tcp` → `turn:h:3478/tcp` (the label src/core/uri.ts uses in ids). */
export function urlLabel(url: string): string {
  const m = /^((?:stun|turns?):[^?]+)\?transport=(udp|tcp)$/.exec(url);
  return m ? `${m[1] ?? ''}/${m[2] ?? ''}` : url;
}

function msNumber(ms: number): string {
  return ms >= 10 ? String(Math.round(ms)) : String(Number(ms.toFixed(1)));
}

function checkLayouts(report: Report): Layout[] {
  const checks = report.checks;
  const target = (c: Check) => t(shortTarget(c.target, c.transport));
  const kind = (c: Check) => t(`${c.kind}${familySuffix(c)}`);
  const full: Layout = {
    cols: [
      { head: 'URL / target', min: 16 },
      { head: 'Kind', min: 8, words: true },
      { head: 'Tr', min: 5 },
      { head: 'Status', min: 8 },
      { head: 'Code', min: 10 },
      { head: 'ms', min: 6, align: 'right' },
      { head: 'Detail', min: 16, words: true },
    ],
    rows: checks.map((c) => [target(c), kind(c), t(c.transport ?? '-'), c.status, t(c.code), msNumber(c.durationMs), t(keyDetail(report, c))]),
  };
  // Narrow: no Detail column; a check that did not pass gets its detail (and message) on a line
  // of its own under it, so what went wrong is still on screen and a healthy run stays one line per check.
  const notes = new Map<number, string>();
  checks.forEach((c, i) => {
    if (c.status !== 'fail' && c.status !== 'warn') return;
    const text = [c.message ?? '', keyDetail(report, c)].filter((x) => x !== '').join(' · ');
    if (text !== '') notes.set(i, t(text));
  });
  const narrowCols = full.cols.slice(0, 6);
  const narrow: Layout = { cols: narrowCols, rows: full.rows.map((r) => r.slice(0, 6)), notes };
  const narrower: Layout = { cols: narrowCols.slice(0, 5), rows: full.rows.map((r) => r.slice(0, 5)), notes };
  return [full, narrow, narrower];
}

function candidateLayouts(report: Report): Layout[] {
  const sorted = [...report.candidates].sort((a, b) => (a.url === b.url ? a.elapsedMs - b.elapsedMs : a.url < b.url ? -1 : 1));
  const rows = (label: (u: string) => string) =>
    sorted.map((c) => [t(c.type), t(c.protocol), t(c.relayProtocol ?? '-'), t(hostPort(c.address, c.port)), t(label(c.url)), String(Math.round(c.elapsedMs))]);
  const cols: Col[] = [
    { head: 'Type', min: 7 },
    { head: 'Proto', min: 7 },
    { head: 'Relay', min: 7 },
    { head: 'Address:port', min: 14 },
    { head: 'URL', min: 14 },
    { head: 'ms', min: 6, align: 'right' },
  ];
  const short = rows(urlLabel);
  const drop = (keep: number[]): Layout => ({ cols: keep.map((i) => cols[i] as Col), rows: short.map((r) => keep.map((i) => r[i] ?? '')) });
  return [{ cols, rows: rows((u) => u) }, { cols, rows: short }, drop([0, 1, 2, 3, 4]), drop([0, 2, 3, 4])];
}

function callLayouts(report: Report): Layout[] {
  const calls = report.calls ?? [];
  const cols: Col[] = [
    { head: 'Call', min: 8 },
    { head: 'Tr', min: 5 },
    { head: 'Policy', min: 8 },
    { head: 'Status', min: 8 },
    { head: 'Setup ms', min: 8, align: 'right' },
    { head: 'Mbit/s', min: 8, align: 'right' },
    { head: 'RTT ms', min: 8, align: 'right' },
    { head: 'Selected pair', min: 14, words: true },
  ];
  const rows = calls.map((c) => [
    t(c.id),
    t(c.transport ?? '-'),
    t(c.policy),
    c.status,
    c.setup.totalMs === null ? (c.failedPhase ? t(`- (${c.failedPhase})`) : '-') : String(Math.round(c.setup.totalMs)),
    c.throughput ? fmtMbps(c.throughput.bitsPerSecond) : '-',
    c.rttMs ? msNumber(c.rttMs.median) : '-',
    t(pairText(c)),
  ]);
  // Narrow: the call id names its transport and policy (relay-udp, all), so those columns go
  // first, and the phase a call failed at moves from the Setup cell to a line under the row.
  const notes = new Map<number, string>();
  calls.forEach((c, i) => {
    if (c.setup.totalMs === null && c.failedPhase) notes.set(i, t(`failed at ${c.failedPhase}`));
  });
  const lean = rows.map((r, i) => r.map((v, k) => (k === 4 && notes.has(i) ? '-' : v)));
  const drop = (keep: number[]): Layout => ({ cols: keep.map((i) => cols[i] as Col), rows: lean.map((r) => keep.map((i) => r[i] ?? '')), notes });
  return [{ cols, rows }, drop([0, 3, 4, 5, 6, 7]), drop([0, 3, 4, 5, 7])];
}

export function renderTable(report: Report, opts: TableOptions): string {
  const width = Math.max(MIN_WIDTH, opts.width ?? DEFAULT_WIDTH);
  const paint: Paint = opts.color ? (style, s) => `${ANSI[style]}${s}${ANSI.reset}` : (_style, s) => s;
  const out: string[] = [];
  // A report from a visitor's browser (iceprobe serve) says so first: the rows are not this machine's.
  if (report.origin?.kind === 'serve') out.push(...wrapText(t(originText(report) ?? ''), width), '');

  if (report.checks.length > 0) {
    out.push(paint('bold', `Checks (${report.checks.length})`));
    out.push(drawTable(checkLayouts(report), width, paint, opts.color, 3));
  } else {
    out.push('No checks ran.');
  }

  if (report.candidates.length > 0) {
    out.push('', paint('bold', `Candidates (${report.candidates.length})`));
    out.push(drawTable(candidateLayouts(report), width, paint, opts.color, null));
  }

  const calls = report.calls ?? [];
  if (calls.length > 0) {
    out.push('', paint('bold', `Calls (${calls.length})`));
    out.push(drawTable(callLayouts(report), width, paint, opts.color, 3));
  }

  const findings = sortedFindings(report);
  if (findings.length > 0) {
    out.push('', paint('bold', `Findings (${findings.length})`));
    for (const f of findings) {
      const style = f.severity === 'error' ? 'red' : f.severity === 'warn' ? 'yellow' : 'blue';
      const [first = '', ...rest] = wrapText(`${f.severity.toUpperCase()} ${t(f.code)}: ${t(f.message)}`, width - 2);
      const sevLen = f.severity.length;
      out.push(paint(style, first.slice(0, sevLen)) + first.slice(sevLen), ...rest.map((l) => `  ${l}`));
      const [a0 = '', ...arest] = wrapText(`→ ${t(f.advice)}`, width - 4);
      out.push(`  ${a0}`, ...arest.map((l) => `    ${l}`));
    }
  }

  const s = report.summary.status;
  const verdictStyle = s === 'pass' ? 'green' : s === 'warn' ? 'yellow' : s === 'fail' ? 'red' : 'grey';
  const word = verdictWord(report);
  const vlines = wrapText(`${countsText(report)} — ${t(verdictHeadline(report))}`, width - len(word) - 2);
  out.push('', `${paint('bold', paint(verdictStyle, word))}  ${vlines[0] ?? ''}`, ...vlines.slice(1).map((l) => `${' '.repeat(len(word) + 2)}${l}`));
  return out.join('\n') + '\n';
}
