/**
 * GitHub Flavored Markdown for `$GITHUB_STEP_SUMMARY`: a verdict line, the findings with advice,
 * the per-URL matrix and the calls. Every report value goes through escapeMarkdown, so a server's
 * text can neither add markup nor break a table.
 */
import type { Report, Status } from '../src/core/schema.js';
import { escapeMarkdown as m } from './escape.js';
import {
  matrixColumns,
  buildMatrix,
  callLabel,
  countsText,
  fmtBps,
  fmtDuration,
  fmtMs,
  pairText,
  originText,
  sortedFindings,
  isInterrupted,
  verdictHeadline,
  verdictWord,
  type MatrixCell,
} from './model.js';

const ICON: Record<Status, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️' };
const SEV_ICON = { error: '❌', warn: '⚠️', info: 'ℹ️' } as const;

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function cell(c: MatrixCell): string {
  if (c.status === null) return '—';
  return `${ICON[c.status]} ${m(c.codes.join(', '))}`;
}

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(`## ${isInterrupted(report) ? '⏹️' : ICON[s.status]} iceprobe: ${verdictWord(report)} — ${m(verdictHeadline(report))}`);
  out.push('');
  const meta = [
    m(countsText(report)),
    `${m(report.tool.name)} ${m(report.tool.version)}`,
    report.environment.browser ? `${m(report.environment.browser.name)} ${m(report.environment.browser.version)}` : 'no browser',
    `started ${m(report.startedAt)}`,
    `took ${m(fmtDuration(report.durationMs))}`,
    ...(report.scenario !== undefined ? [`scenario ${m(report.scenario)}`] : []),
    ...(report.origin?.kind === 'serve' ? [m(originText(report) ?? '')] : []),
  ];
  out.push(meta.join(' · '));

  out.push('', '### Findings', '');
  const findings = sortedFindings(report);
  if (findings.length === 0) out.push('No findings.');
  for (const f of findings) {
    // A trailing backslash is a hard line break (CommonMark §6.7): the advice gets its own line.
    out.push(`- ${SEV_ICON[f.severity]} **${m(f.code)}**: ${m(f.message)}\\`);
    out.push(`  *What to do:* ${m(f.advice)}`);
  }

  out.push('', '### Servers × checks', '');
  const matrix = buildMatrix(report);
  if (matrix.length === 0) out.push('No servers in this report.');
  else {
    const columns = matrixColumns(matrix);
    out.push(row(['Server', ...columns.map((c) => c.label)]));
    out.push(row(['---', ...columns.map(() => '---')]));
    for (const r of matrix) out.push(row([m(r.url), ...columns.map((c) => cell(r.cells[c.key]))]));
  }

  const calls = report.calls ?? [];
  out.push('', '### Calls', '');
  if (calls.length === 0) out.push('No calls in this report.');
  else {
    out.push(row(['Call', 'Status', 'Setup', 'Throughput', 'RTT median', 'Selected pair']));
    out.push(row(['---', '---', '---:', '---:', '---:', '---']));
    for (const c of calls) {
      out.push(
        row([
          m(callLabel(c)),
          `${ICON[c.status]} ${m(c.code)}${c.failedPhase ? ` at ${m(c.failedPhase)}` : ''}`,
          m(fmtMs(c.setup.totalMs)),
          m(fmtBps(c.throughput?.bitsPerSecond)),
          m(fmtMs(c.rttMs?.median)),
          m(pairText(c)),
        ]),
      );
    }
  }
  out.push('');
  return out.join('\n');
}
