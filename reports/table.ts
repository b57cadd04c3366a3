/**
 * The terminal view (cli-table3): checks, candidates, calls, findings with advice, and one
 * verdict line. Fits `width` columns (default 100) by shrinking the widest columns and wrapping
 * inside cells. Colour only when asked (a TTY); report text is stripped of control characters
 * so a server's error reason cannot drive the user's terminal.
 */
import Table from 'cli-table3';
import type { Report, Status } from '../src/core/schema.js';
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
  STATUS_WORD,
} from './model.js';

export interface TableOptions {
  color: boolean;
  /** Terminal width; default 100. */
  width?: number;
}

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 60;

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', blue: '\u001b[34m', grey: '\u001b[90m' };
type Paint = (style: keyof typeof ANSI, s: string) => string;

interface Col {
  head: string;
  /** Smallest width including padding. */
  min: number;
  /** Given up first when the table is too wide (free text that wraps well). */
  shrinkFirst?: boolean;
  /** Break anywhere (URLs, addresses) rather than at spaces. */
  breakAnywhere?: boolean;
  align?: 'left' | 'right';
}

/** Column widths (with padding) that fit `width` including the n+1 border characters. */
export function fitColumns(cols: readonly Col[], rows: readonly (readonly string[])[], width: number): number[] {
  const avail = width - (cols.length + 1);
  const widths = cols.map((c, i) => {
    const longest = Math.max(c.head.length, ...rows.map((r) => Math.max(...(r[i] ?? '').split('\n').map((l) => [...l].length))));
    return Math.max(c.min, longest + 2);
  });
  let total = widths.reduce((a, b) => a + b, 0);
  cols.forEach((c, i) => {
    if (!c.shrinkFirst) return;
    const cut = Math.min(total - avail, (widths[i] ?? 0) - c.min);
    if (cut > 0) {
      widths[i] = (widths[i] ?? 0) - cut;
      total -= cut;
    }
  });
  while (total > avail) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      const w = widths[i] ?? 0;
      const c = cols[i];
      if (c && w > c.min && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  // A very narrow terminal: go below the minimums, widest first, down to 2 characters of text.
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

function makeTable(cols: readonly Col[], rows: readonly (readonly string[])[], width: number, paint: Paint, color: boolean): string {
  return tableWithWidths(cols, rows, fitColumns(cols, rows, width), paint, color);
}

/** Paints the already-laid-out status word (colour does not change widths cli-table3 measures). */
function statusText(s: Status, paint: Paint): string {
  const style = s === 'pass' ? 'green' : s === 'warn' ? 'yellow' : s === 'fail' ? 'red' : 'grey';
  return paint(style, s);
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

function msNumber(ms: number): string {
  return ms >= 10 ? String(Math.round(ms)) : String(Number(ms.toFixed(1)));
}

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const room = width - indent.length;
    if (line !== '' && line.length + 1 + w.length > room) {
      lines.push(indent + line);
      line = '';
    }
    let word = w;
    while (word.length > room) {
      // A URL longer than the line: break it rather than overflow.
      if (line !== '') {
        lines.push(indent + line);
        line = '';
      }
      lines.push(indent + word.slice(0, room));
      word = word.slice(room);
    }
    line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

export function renderTable(report: Report, opts: TableOptions): string {
  const width = Math.max(MIN_WIDTH, opts.width ?? DEFAULT_WIDTH);
  const paint: Paint = opts.color ? (style, s) => `${ANSI[style]}${s}${ANSI.reset}` : (_style, s) => s;
  const out: string[] = [];
  // A report from a visitor's browser (iceprobe serve) says so first: the rows are not this machine's.
  if (report.origin?.kind === 'serve') out.push(t(originText(report) ?? ''), '');

  if (report.checks.length > 0) {
    const cols: Col[] = [
      { head: 'URL / target', min: 16, breakAnywhere: true },
      { head: 'Kind', min: 8 },
      { head: 'Tr', min: 5 },
      { head: 'Status', min: 8 },
      { head: 'Code', min: 10, breakAnywhere: true },
      { head: 'ms', min: 6, align: 'right' },
      { head: 'Detail', min: 16, shrinkFirst: true },
    ];
    const rows = report.checks.map((c) => [
      t(shortTarget(c.target, c.transport)),
      t(`${c.kind}${familySuffix(c)}`),
      t(c.transport ?? '-'),
      c.status,
      t(c.code),
      msNumber(c.durationMs),
      t(keyDetail(report, c)),
    ]);
    const colWidths = fitColumns(cols, rows, width);
    // Status is coloured after fitting, so the escape codes never count towards widths.
    const painted = rows.map((r) => r.map((v, i) => (i === 3 ? statusText(v as Status, paint) : v)));
    out.push(paint('bold', `Checks (${report.checks.length})`));
    out.push(tableWithWidths(cols, painted, colWidths, paint, opts.color));
  } else {
    out.push('No checks ran.');
  }

  if (report.candidates.length > 0) {
    const cols: Col[] = [
      { head: 'Type', min: 7 },
      { head: 'Proto', min: 7 },
      { head: 'Relay', min: 7 },
      { head: 'Address:port', min: 14, breakAnywhere: true },
      { head: 'URL', min: 14, breakAnywhere: true },
      { head: 'ms', min: 6, align: 'right' },
    ];
    const rows = [...report.candidates]
      .sort((a, b) => (a.url === b.url ? a.elapsedMs - b.elapsedMs : a.url < b.url ? -1 : 1))
      .map((c) => [t(c.type), t(c.protocol), t(c.relayProtocol ?? '-'), t(hostPort(c.address, c.port)), t(c.url), String(Math.round(c.elapsedMs))]);
    out.push('', paint('bold', `Candidates (${report.candidates.length})`));
    out.push(makeTable(cols, rows, width, paint, opts.color));
  }

  const calls = report.calls ?? [];
  if (calls.length > 0) {
    const cols: Col[] = [
      { head: 'Call', min: 8, breakAnywhere: true },
      { head: 'Tr', min: 5 },
      { head: 'Policy', min: 8 },
      { head: 'Status', min: 8 },
      { head: 'Setup ms', min: 8, align: 'right' },
      { head: 'Mbit/s', min: 8, align: 'right' },
      { head: 'RTT ms', min: 8, align: 'right' },
      { head: 'Selected pair', min: 14, shrinkFirst: true },
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
    const colWidths = fitColumns(cols, rows, width);
    const painted = rows.map((r) => r.map((v, i) => (i === 3 ? statusText(v as Status, paint) : v)));
    out.push('', paint('bold', `Calls (${calls.length})`));
    out.push(tableWithWidths(cols, painted, colWidths, paint, opts.color));
  }

  const findings = sortedFindings(report);
  if (findings.length > 0) {
    out.push('', paint('bold', `Findings (${findings.length})`));
    for (const f of findings) {
      const style = f.severity === 'error' ? 'red' : f.severity === 'warn' ? 'yellow' : 'blue';
      const [first = '', ...rest] = wrap(`${f.severity.toUpperCase()} ${t(f.code)}: ${t(f.message)}`, width, '');
      const sevLen = f.severity.length;
      out.push(paint(style, first.slice(0, sevLen)) + first.slice(sevLen), ...rest.map((l) => `  ${l.trimStart()}`));
      const [a0 = '', ...arest] = wrap(`→ ${t(f.advice)}`, width - 2, '');
      out.push(`  ${a0}`, ...arest.map((l) => `    ${l}`));
    }
  }

  const s = report.summary.status;
  const verdictStyle = s === 'pass' ? 'green' : s === 'warn' ? 'yellow' : s === 'fail' ? 'red' : 'grey';
  const word = STATUS_WORD[s];
  const vlines = wrap(`${countsText(report)}${report.partial ? ' · PARTIAL' : ''} — ${t(verdictHeadline(report))}`, width - word.length - 2, '');
  out.push('', `${paint('bold', paint(verdictStyle, word))}  ${vlines[0] ?? ''}`, ...vlines.slice(1).map((l) => `${' '.repeat(word.length + 2)}${l}`));
  return out.join('\n') + '\n';
}

function tableWithWidths(cols: readonly Col[], rows: readonly (readonly string[])[], colWidths: number[], paint: Paint, color: boolean): string {
  const table = new Table({
    head: cols.map((c) => paint('bold', c.head)),
    colWidths,
    colAligns: cols.map((c) => c.align ?? 'left'),
    wordWrap: true,
    wrapOnWordBoundary: true,
    // compact: a rule under the header only, none between body rows.
    style: { head: [], border: color ? ['grey'] : [], 'padding-left': 1, 'padding-right': 1, compact: true },
  });
  for (const r of rows) table.push(r.map((content, i) => (cols[i]?.breakAnywhere ? { content, wrapOnWordBoundary: false } : { content })));
  return table.toString();
}
