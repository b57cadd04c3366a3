/**
 * The HTML report: one self-contained file an operator can open, mail or print. Inline CSS,
 * charts drawn here as inline SVG, no script, and a Content-Security-Policy that forbids the
 * page from fetching anything at all (no fonts, images, CDNs), so a report stays inert even if
 * a server's error text tried to inject markup. Every report value goes through escapeHtml.
 */
import type { Call, Candidate, Check, Finding, Report, Status } from '../src/core/schema.js';
import { escapeHtml as e } from './escape.js';
import { familySuffix } from './family.js';
import {
  matrixColumns,
  originText,
  buildMatrix,
  callLabel,
  checksOutsideMatrix,
  countsText,
  fmtBps,
  fmtDuration,
  fmtMs,
  hostPort,
  keyDetail,
  pairText,
  sortedFindings,
  verdictClass,
  verdictHeadline,
  verdictWord,
  type MatrixCell,
} from './model.js';
import { lateText, planWaterfall, throughputSvg, waterfallSvg } from './svg.js';

const STATUS_ICON: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', skip: '–' };

const CSS = `
:root{--fg:#1c2330;--muted:#5b6472;--line:#dde2ea;--bg:#f5f7fa;--card:#fff;
--pass:#1e7d34;--pass-bg:#e3f4e7;--warn:#9a5b00;--warn-bg:#fff1d6;--fail:#c62828;--fail-bg:#fde6e6;--skip:#5b6472;--skip-bg:#eceff3;
--info:#2a5db0;--info-bg:#e6eefb;font-size:15px}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main,nav{max-width:1100px;margin:0 auto}
header.verdict{max-width:1068px;margin:16px auto 0;width:calc(100% - 32px)}
main{padding:0 16px 32px}
h1{font-size:1rem;margin:0;font-weight:600;color:var(--muted);letter-spacing:.02em}
h2{font-size:1.2rem;margin:28px 0 10px}
h3{font-size:1rem;margin:0 0 6px}
h3.sub{margin-top:14px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.86em;overflow-wrap:anywhere}
.verdict{display:flex;gap:20px;align-items:center;padding:22px 20px;border-radius:10px;border:2px solid}
.verdict-word{font-size:2.6rem;font-weight:800;letter-spacing:.04em;line-height:1;min-width:4.5ch;text-align:center}
.verdict .headline{font-size:1.15rem;font-weight:600;margin:4px 0}
.verdict p{margin:2px 0}
.verdict .counts{font-variant-numeric:tabular-nums}
.verdict .meta{color:var(--muted);font-size:.9rem}
.v-pass{background:var(--pass-bg);border-color:var(--pass)}.v-pass .verdict-word{color:var(--pass)}
.v-warn{background:var(--warn-bg);border-color:var(--warn)}.v-warn .verdict-word{color:var(--warn)}
.v-fail{background:var(--fail-bg);border-color:var(--fail)}.v-fail .verdict-word{color:var(--fail)}
.v-skip{background:var(--skip-bg);border-color:var(--skip)}.v-skip .verdict-word{color:var(--skip)}
.v-interrupted{background:var(--warn-bg);border-color:var(--warn)}.v-interrupted .verdict-word{color:var(--warn);font-size:1.6rem}
details.raw{margin-top:2px}details.raw summary{cursor:pointer;color:var(--muted);font-size:.85rem}
details.raw pre{margin:4px 0 0;padding:6px 8px;background:var(--bg);border-radius:4px;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;overflow:auto}
nav{padding:10px 16px 0;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:.9rem}
nav a{color:var(--info);text-decoration:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px}
.findings{list-style:none;margin:0;padding:0;display:grid;gap:10px}
.finding{border-left:6px solid var(--skip)}
.finding.sev-error{border-left-color:var(--fail)}.finding.sev-warn{border-left-color:var(--warn)}.finding.sev-info{border-left-color:var(--info)}
.finding .message{margin:4px 0;font-weight:600}
.finding .advice{margin:4px 0}
.finding .advice::before{content:"What to do: ";font-weight:600;color:var(--muted)}
.finding .refs{margin:6px 0 0;color:var(--muted);font-size:.85rem}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.78rem;font-weight:700;text-transform:uppercase;margin-right:6px}
.sev-error .sev{background:var(--fail-bg);color:var(--fail)}.sev-warn .sev{background:var(--warn-bg);color:var(--warn)}.sev-info .sev{background:var(--info-bg);color:var(--info)}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:.8rem;font-weight:700;white-space:nowrap}
.s-pass{background:var(--pass-bg);color:var(--pass)}.s-warn{background:var(--warn-bg);color:var(--warn)}
.s-fail{background:var(--fail-bg);color:var(--fail)}.s-skip{background:var(--skip-bg);color:var(--skip)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:8px;font-size:.9rem}
th,td{padding:7px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f6;font-weight:600;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.none{color:var(--muted)}
.cell .code{display:block;margin-top:2px}
.muted{color:var(--muted)}
.empty-note{color:var(--muted);font-style:italic}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.chart-card h3 .badge{margin-left:6px;vertical-align:1px}
.chart-card .facts{margin:0 0 8px;color:var(--muted);font-size:.85rem}
svg.chart{display:block;overflow:visible;font-size:12px}
svg.chart text{fill:var(--fg)}
svg.chart .tick,svg.chart .axis-title,svg.chart .phase-time{fill:var(--muted);font-size:11px}
svg.chart .grid{stroke:var(--line);stroke-width:1}
svg.chart .axis{stroke:#9aa3b0;stroke-width:1}
svg.chart .series{stroke:var(--info);stroke-width:2;stroke-linecap:round}
svg.chart .point{fill:var(--card);stroke:var(--info);stroke-width:2}
svg.chart .series.sent{stroke:var(--muted);stroke-width:1;stroke-dasharray:2 3}
svg.chart .headline{stroke:var(--pass);stroke-width:1.5;stroke-dasharray:6 4}
svg.chart .headline-label{fill:var(--pass)}
svg.chart .failed text{fill:var(--fail);font-weight:600}
dl.env{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.env dt{color:var(--muted)}dl.env dd{margin:0;overflow-wrap:anywhere}
footer{max-width:1100px;margin:0 auto;padding:0 16px 24px;color:var(--muted);font-size:.8rem}
@media (max-width:640px){
:root{font-size:14px}
main{padding:0 10px 24px}nav{padding:8px 10px 0}
header.verdict{margin:10px auto 0;width:calc(100% - 20px)}
.verdict{flex-direction:column;align-items:flex-start;gap:6px;padding:14px}
.verdict-word{font-size:2.1rem;text-align:left}
table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack thead{display:none}
table.stack{border:0;background:transparent}
table.stack tr{background:var(--card);border:1px solid var(--line);border-radius:8px;margin-bottom:8px;padding:4px 0}
table.stack td{position:relative;border:0;padding:3px 10px 3px calc(36% + 14px);text-align:left;overflow-wrap:anywhere}
table.stack td::before{content:attr(data-label);position:absolute;left:10px;width:36%;color:var(--muted);font-weight:600}
table.stack td.num{white-space:normal}
table.stack td.row-head{font-weight:700;border-bottom:1px solid var(--line);padding:3px 10px 6px;margin-bottom:2px}
table.stack td.row-head::before{display:none}
.cell .code{display:inline;margin:0 0 0 6px}
}
@media print{
:root{--bg:#fff;font-size:11pt}
body{background:#fff}
nav{display:none}
header.verdict{margin-top:0;width:100%}
section,.card,tr,.chart-card{break-inside:avoid}
.scroll{overflow:visible}
table{font-size:9pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}
}
`;

function badge(status: Status | null): string {
  if (status === null) return '<span class="muted">not run</span>';
  return `<span class="badge s-${status}">${STATUS_ICON[status]} ${e(status)}</span>`;
}

function td(label: string, content: string, cls = ''): string {
  return `<td data-label="${e(label)}"${cls ? ` class="${cls}"` : ''}>${content}</td>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${e(title)}</h2>${body}</section>`;
}

function verdictBlock(r: Report): string {
  const s = verdictClass(r);
  const meta = [
    `${e(r.tool.name)} ${e(r.tool.version)}`,
    `started ${e(r.startedAt)}`,
    `took ${e(fmtDuration(r.durationMs))}`,
    ...(r.scenario !== undefined ? [`scenario ${e(r.scenario)}`] : []),
  ].join(' · ');
  const origin = originText(r);
  return (
    `<header id="verdict" class="verdict v-${s}" data-status="${s}">` +
    `<div class="verdict-word">${e(verdictWord(r))}</div>` +
    `<div><h1>iceprobe report</h1>` +
    `<p class="headline">${e(verdictHeadline(r))}</p>` +
    `<p class="counts">${e(countsText(r))} · ${r.checks.length} ${r.checks.length === 1 ? 'check' : 'checks'}, ${r.findings.length} ${r.findings.length === 1 ? 'finding' : 'findings'}</p>` +
    `<p class="meta">${meta}</p>` +
    (origin !== null ? `<p class="meta origin">${e(origin)}</p>` : '') +
    `</div></header>`
  );
}

function findingItem(f: Finding): string {
  const refs = f.checkIds.length > 0 ? `<p class="refs">Based on: ${f.checkIds.map((id) => `<code>${e(id)}</code>`).join(', ')}</p>` : '';
  return (
    `<li class="card finding sev-${f.severity}" data-code="${e(f.code)}">` +
    `<div><span class="sev">${e(f.severity)}</span><code>${e(f.code)}</code></div>` +
    `<p class="message">${e(f.message)}</p><p class="advice">${e(f.advice)}</p>${refs}</li>`
  );
}

function findingsBlock(r: Report): string {
  const list = sortedFindings(r);
  if (list.length === 0) return section('findings', 'Findings', '<p class="empty-note">No findings: nothing needs your attention.</p>');
  return section('findings', `Findings (${list.length})`, `<ul class="findings">${list.map(findingItem).join('')}</ul>`);
}

function matrixCell(label: string, cell: MatrixCell): string {
  if (cell.status === null) return td(label, '<span class="muted">—</span>', 'cell none');
  const title = cell.checks.map((c) => `${c.id}: ${c.status} ${c.code}${c.message ? ` — ${c.message}` : ''}`).join('\n');
  const codes = cell.codes.map((c) => `<code>${e(c)}</code>`).join(' ');
  return `<td data-label="${e(label)}" class="cell" data-status="${cell.status}" title="${e(title)}">${badge(cell.status)}<span class="code">${codes}</span></td>`;
}

function matrixBlock(r: Report): string {
  const rows = buildMatrix(r);
  if (rows.length === 0) return section('matrix', 'Servers × checks', '<p class="empty-note">The report names no servers.</p>');
  const columns = matrixColumns(rows);
  const head = `<tr><th>Server URL</th>${columns.map((c) => `<th>${e(c.label)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr>${td('Server', `<code>${e(row.url)}</code> <span class="muted">${e(row.transport)}</span>`, 'row-head')}` +
        columns.map((c) => matrixCell(c.label, row.cells[c.key])).join('') +
        '</tr>',
    )
    .join('');
  const legend = '<p class="muted">Each cell shows the outcome and its code; “—” means that check did not run for the URL (e.g. no TLS for plain TURN).</p>';
  return section('matrix', 'Servers × checks', `<div class="scroll"><table class="stack matrix"><thead>${head}</thead><tbody>${body}</tbody></table></div>${legend}`);
}

/** One line about a check: what went wrong when it did not pass, else its key detail. */
function checkLine(r: Report, c: Check): string {
  const key = keyDetail(r, c);
  if (c.status === 'pass') return key;
  return c.message ?? key;
}

function checksTable(r: Report, checks: readonly Check[]): string {
  const head = '<tr><th>Check</th><th>Kind</th><th>Transport</th><th>Status</th><th>Code</th><th>Time</th><th>Detail</th></tr>';
  const body = checks
    .map((c) => {
      // Everything the check recorded, folded: read on demand, never cut.
      const raw = Object.keys(c.details).length > 0 ? `<details class="raw"><summary>raw details</summary><pre>${e(JSON.stringify(c.details, null, 2))}</pre></details>` : '';
      return (
        `<tr data-check-id="${e(c.id)}">` +
        td('Check', `<code>${e(c.target)}</code>`, 'row-head') +
        td('Kind', e(`${c.kind}${familySuffix(c)}`)) +
        td('Transport', e(c.transport ?? '–')) +
        td('Status', badge(c.status)) +
        td('Code', `<code>${e(c.code)}</code>`) +
        td('Time', e(fmtMs(c.durationMs)), 'num') +
        td('Detail', e(checkLine(r, c)) + raw) +
        '</tr>'
      );
    })
    .join('');
  return `<div class="scroll"><table class="stack checks"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function checksBlock(r: Report): string {
  if (r.checks.length === 0) return section('checks', 'All checks', '<p class="empty-note">No checks ran.</p>');
  const outside = checksOutsideMatrix(r, buildMatrix(r)).length;
  const note = outside > 0 ? `<p class="muted">${outside} of these are not in the matrix above (configuration, NAT, calls over all servers, expectations).</p>` : '';
  return section('checks', `All checks (${r.checks.length})`, note + checksTable(r, r.checks));
}

function candidateRow(c: Candidate): string {
  return (
    '<tr>' +
    td('Type', `<span class="badge s-skip">${e(c.type)}</span>`, 'row-head') +
    td('Protocol', e(c.protocol)) +
    td('Relay protocol', e(c.relayProtocol ?? '–')) +
    td('Address', `<code>${e(hostPort(c.address, c.port))}</code>`) +
    td('Related', `<code>${e(c.relatedAddress ? hostPort(c.relatedAddress, c.relatedPort ?? null) : '–')}</code>`) +
    td('URL', `<code>${e(c.url)}</code>`) +
    td('At', e(fmtMs(c.elapsedMs)), 'num') +
    '</tr>'
  );
}

function candidatesBlock(r: Report): string {
  if (r.candidates.length === 0) return section('candidates', 'Candidates', '<p class="empty-note">No candidates were gathered.</p>');
  const sorted = [...r.candidates].sort((a, b) => (a.url === b.url ? a.elapsedMs - b.elapsedMs : a.url < b.url ? -1 : 1));
  const head = '<tr><th>Type</th><th>Protocol</th><th>Relay protocol</th><th>Address</th><th>Related</th><th>URL</th><th>At</th></tr>';
  const counts = (['host', 'srflx', 'prflx', 'relay'] as const)
    .map((t) => {
      const n = r.candidates.filter((c) => c.type === t).length;
      const six = r.candidates.filter((c) => c.type === t && c.family === 'ipv6').length;
      return six > 0 ? `${n} ${t} (${six} IPv6)` : `${n} ${t}`;
    })
    .join(' · ');
  return section(
    'candidates',
    `Candidates (${r.candidates.length})`,
    `<p class="muted">${e(counts)}. “At” is the time since gathering started for that URL.</p><div class="scroll"><table class="stack candidates"><thead>${head}</thead><tbody>${sorted.map(candidateRow).join('')}</tbody></table></div>`,
  );
}

function callsTable(calls: readonly Call[]): string {
  // iceprobe serve measures both directions: the entry is the upload, `download` the other way.
  const both = calls.some((c) => c.download !== undefined);
  const down = (c: Call) => {
    const d = c.download;
    if (!d) return '–';
    return d.status === 'fail' ? `${badge('fail')} <code>${e(d.code)}</code>` : e(fmtBps(d.throughput?.bitsPerSecond));
  };
  const head = `<tr><th>Call</th><th>Via</th><th>Status</th><th>Setup</th><th>${both ? 'Upload' : 'Throughput'}</th>${both ? '<th>Download</th>' : ''}<th>RTT median</th><th>Selected pair</th></tr>`;
  const body = calls
    .map(
      (c) =>
        `<tr data-call-id="${e(c.id)}">` +
        td('Call', e(callLabel(c)), 'row-head') +
        td('Via', c.via.map((v) => `<code>${e(v)}</code>`).join('<br>')) +
        td('Status', `${badge(c.status)} <code>${e(c.code)}</code>${c.failedPhase ? ` <span class="muted">at ${e(c.failedPhase)}</span>` : ''}`) +
        td('Setup', e(fmtMs(c.setup.totalMs)), 'num') +
        td(both ? 'Upload' : 'Throughput', e(fmtBps(c.throughput?.bitsPerSecond)), 'num') +
        (both ? td('Download', down(c), 'num') : '') +
        td('RTT median', e(fmtMs(c.rttMs?.median)), 'num') +
        td('Selected pair', `<span class="mono">${e(pairText(c))}</span>`) +
        '</tr>',
    )
    .join('');
  return `<div class="scroll"><table class="stack calls"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function callsBlocks(r: Report): string {
  const calls = r.calls ?? [];
  if (calls.length === 0) {
    const none = '<p class="empty-note">No calls in this report.</p>';
    return section('calls', 'Calls', none) + section('timeline', 'Setup timeline', none) + section('throughput', 'Throughput over time', none);
  }
  const timelines = calls
    .map(
      (c) =>
        `<div class="card chart-card" data-call-id="${e(c.id)}"><h3>${e(callLabel(c))}${badge(c.status)}</h3>` +
        `<p class="facts">${c.setup.totalMs === null ? `did not connect${c.failedPhase ? ` (failed at ${e(c.failedPhase)})` : ''}` : `connected in ${e(fmtMs(c.setup.totalMs))}`}</p>` +
        (c.setup.phases.length > 0 ? waterfallSvg(c) : '<p class="empty-note">No phases were recorded.</p>') +
        planWaterfall(c.setup.phases)
          .late.map((l) => `<p class="facts late-phase">${e(lateText(l))}.</p>`)
          .join('') +
        '</div>',
    )
    .join('');
  const charts = calls
    .map((c) => {
      const t = c.throughput;
      const facts = t
        ? `${e(fmtBps(t.bitsPerSecond))} delivered over ${e(fmtDuration(t.durationMs))}` +
          (t.marginPercent !== undefined ? ` (±${e(t.marginPercent.toFixed(0))} %, 90 % confidence)` : '') +
          (t.sentBitsPerSecond !== undefined ? ` · the sender counted ${e(fmtBps(t.sentBitsPerSecond))} (what the path dropped and retransmissions included)` : '') +
          ` · RTT median ${e(fmtMs(c.rttMs?.median))}`
        : 'no data was transferred';
      return (
        `<div class="card chart-card" data-call-id="${e(c.id)}"><h3>${e(callLabel(c))}${badge(c.status)}</h3><p class="facts">${facts}</p>` +
        (t && (t.samples.length > 0 || (t.receivedSamples?.length ?? 0) > 0) ? throughputSvg(c) : '<p class="empty-note">No throughput samples.</p>') +
        '</div>'
      );
    })
    .join('');
  return (
    section('calls', `Calls (${calls.length})`, callsTable(calls)) +
    section('timeline', 'Setup timeline', `<p class="muted">One bar per phase that was observed, in the order phases happen, each from the previous phase to this one; times are since the call started (before it connected to the signaling relay).</p><div class="charts">${timelines}</div>`) +
    section('throughput', 'Throughput over time', `<div class="charts">${charts}</div>`)
  );
}

function environmentBlock(r: Report): string {
  const env = r.environment;
  const rows: [string, string][] = [
    ['Tool', `${r.tool.name} ${r.tool.version}`],
    ...(r.origin?.kind === 'serve' ? [['Measured in', `a visitor's browser, result id ${r.origin.resultId}`] as [string, string], ['User agent', r.origin.userAgent ?? 'not sent'] as [string, string]] : []),
    ['Browser', env.browser ? `${env.browser.name} ${env.browser.version}` : 'none (no browser ran)'],
    ['Node.js', env.node],
    ['Platform', env.platform],
    ['Started', r.startedAt],
    ['Duration', fmtDuration(r.durationMs)],
    ...(r.scenario !== undefined ? [['Scenario', r.scenario] as [string, string]] : []),
    ...(env.embeddedServer !== undefined ? [['Embedded server', env.embeddedServer ? 'yes (local coturn started by iceprobe)' : 'no'] as [string, string]] : []),
    ['Complete', r.partial ? 'no, partial report' : 'yes'],
    ['Schema version', String(r.schemaVersion)],
  ];
  const dl = `<dl class="env card">${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;
  const servers =
    r.servers.length === 0
      ? ''
      : `<h3 class="sub">Servers</h3><div class="scroll"><table class="stack servers"><thead><tr><th>URL</th><th>Transport</th><th>Username</th><th>Credential</th></tr></thead><tbody>${r.servers
          .map(
            (s) =>
              '<tr>' +
              td('URL', `<code>${e(s.url)}</code>`, 'row-head') +
              td('Transport', e(s.transport)) +
              td('Username', s.username === null ? '–' : `<code>${e(s.username)}</code>`) +
              td('Credential', e(s.credential === 'none' ? 'none' : `${s.credential} (never shown)`)) +
              '</tr>',
          )
          .join('')}</tbody></table></div>`;
  return section('environment', 'Environment', dl + servers);
}

export function renderHtml(report: Report): string {
  const nav = ['findings', 'matrix', 'checks', 'candidates', 'calls', 'timeline', 'throughput', 'environment']
    .map((id) => `<a href="#${id}">${id}</a>`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>iceprobe ${e(verdictWord(report))} · ${e(report.startedAt)}</title>`,
    `<style>${CSS}</style></head><body>`,
    verdictBlock(report),
    `<nav aria-label="Sections">${nav}</nav>`,
    '<main>',
    findingsBlock(report),
    matrixBlock(report),
    checksBlock(report),
    candidatesBlock(report),
    callsBlocks(report),
    environmentBlock(report),
    '</main>',
    `<footer>Generated by ${e(report.tool.name)} ${e(report.tool.version)} from report schema v${report.schemaVersion}. Credentials are never written to reports.</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
