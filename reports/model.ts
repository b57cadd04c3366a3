/**
 * The view model every renderer shares: which checks belong to which server URL (the matrix),
 * which findings explain a check, and the few number formats. Pure: a Report in, plain data out.
 * Renderers own escaping; nothing here escapes or colours.
 */
import type { Call, Check, CheckKind, Finding, Report, Severity, Status } from '../src/core/schema.js';
import { CheckCode } from '../src/core/codes.js';
import { checkId, checkIdUrl, parseDualStackId, parseEngineId } from '../src/core/ids.js';

/** Matrix columns, in reading order: the path a client takes to a relay. */
export const MATRIX_COLUMNS = [
  { key: 'dns', label: 'DNS', kinds: ['dns'] },
  { key: 'stun-binding', label: 'STUN binding', kinds: ['stun-binding'] },
  { key: 'turn-allocate', label: 'TURN allocate', kinds: ['turn-allocate'] },
  { key: 'tls', label: 'TLS', kinds: ['tls-handshake'] },
  { key: 'gather', label: 'Browser gather', kinds: ['gather'] },
  { key: 'call', label: 'Relay call', kinds: ['call'] },
  // --browser firefox|all: Firefox's gathering and relay calls (`<id>@firefox`); the two above are Chromium's.
  { key: 'gather-firefox', label: 'Firefox gather', kinds: ['gather'], engine: 'firefox', optional: true },
  { key: 'call-firefox', label: 'Firefox relay call', kinds: ['call'], engine: 'firefox', optional: true },
  // Shown only when some URL has such a check: the IPv6 twins of a dual-stack name's Node probes,
  // the loss/jitter burst and NAT discovery (both on stun: URLs over UDP).
  { key: 'ipv6', label: 'IPv6 (AAAA)', kinds: ['stun-binding', 'turn-allocate', 'tls-handshake'], ipv6: true, optional: true },
  { key: 'path-quality', label: 'Loss / jitter', kinds: ['path-quality'], optional: true },
  { key: 'nat', label: 'NAT', kinds: ['nat'], optional: true },
] as const satisfies readonly { key: string; label: string; kinds: readonly CheckKind[]; ipv6?: boolean; engine?: 'firefox'; optional?: boolean }[];
export type MatrixColumn = (typeof MATRIX_COLUMNS)[number];
export type MatrixColumnKey = (typeof MATRIX_COLUMNS)[number]['key'];

export interface MatrixCell {
  /** Worst status of the checks in the cell; null when nothing of this kind ran for the URL. */
  status: Status | null;
  /** Distinct codes, worst check first. */
  codes: string[];
  checks: Check[];
}
export interface MatrixRow {
  url: string;
  transport: string;
  cells: Record<MatrixColumnKey, MatrixCell>;
}

const STATUS_RANK: Record<Status, number> = { fail: 3, warn: 2, pass: 1, skip: 0 };
const SEVERITY_RANK: Record<Severity, number> = { error: 2, warn: 1, info: 0 };

export function worstStatus(statuses: readonly Status[]): Status | null {
  let worst: Status | null = null;
  for (const s of statuses) if (worst === null || STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
}

export function byStatusDesc(a: Check, b: Check): number {
  return STATUS_RANK[b.status] - STATUS_RANK[a.status];
}

export function bySeverityDesc(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
}

/** A URL's exact spellings: itself and the `scheme:host:port/transport` label src/core/uri.ts uses in ids. */
function exactLabels(url: string, transport: string): string[] {
  return [url, `${url.replace(/\?.*$/, '')}/${transport}`];
}

/** The call behind a `call` check, if the report has one. */
export function callForCheck(report: Report, check: Check): Call | undefined {
  return (report.calls ?? []).find((c) => c.checkId === check.id);
}

/**
 * Whether a check is about one server URL. Producers name targets differently (a canonical URL,
 * a host name for DNS, a call id), so this matches the forms the project uses: target or
 * `details.url` equal to the URL or its `scheme:host:port[/transport]` label, an id ending in
 * one of those, DNS checks by host, and relay calls by the URL they were given (`via`).
 */
export function checkBelongsTo(report: Report, check: Check, server: Report['servers'][number]): boolean {
  if (check.kind === 'call') {
    const call = callForCheck(report, check);
    if (call) return call.policy === 'relay' && call.via.length === 1 && call.via[0] === server.url;
  }
  const exact = exactLabels(server.url, server.transport);
  const base = server.url.replace(/\?.*$/, '');
  const detailUrl = typeof check.details['url'] === 'string' ? check.details['url'] : undefined;
  for (const named of [check.target, detailUrl]) {
    if (named === undefined) continue;
    if (exact.includes(named)) return true;
    // Without ?transport a target names several URLs: the check's own transport decides.
    if (named === base) return check.transport === null || check.transport === server.transport;
  }
  // The TLS probe names the TURNS listener by host:port (it speaks TLS, not TURN): it belongs to
  // the turns: URLs on that listener.
  if (check.kind === 'tls-handshake' && server.scheme === 'turns') {
    const hp = hostPort(server.host.replace(/^\[|\]$/g, ''), server.port);
    if (check.target === hp || check.target === `${server.host}:${server.port}`) return true;
  }
  if (check.kind === 'dns') {
    const host = check.target.replace(/^\[|\]$/g, '');
    return host === server.host || check.id === checkId.dns(server.host);
  }
  const about = checkIdUrl(check.id);
  return about !== null && exact.includes(about);
}

export function buildMatrix(report: Report): MatrixRow[] {
  return report.servers.map((server) => {
    const mine = report.checks.filter((c) => checkBelongsTo(report, c, server));
    const cells = {} as Record<MatrixColumnKey, MatrixCell>;
    for (const col of MATRIX_COLUMNS) {
      const kinds: readonly CheckKind[] = col.kinds;
      const twins = 'ipv6' in col && col.ipv6;
      const engine = 'engine' in col ? col.engine : 'chromium';
      const checks = mine.filter((c) => kinds.includes(c.kind) && (parseDualStackId(c.id) !== null) === twins && parseEngineId(c.id).engine === engine).sort(byStatusDesc);
      cells[col.key] = {
        status: worstStatus(checks.map((c) => c.status)),
        codes: [...new Set(checks.map((c) => c.code))],
        checks,
      };
    }
    return { url: server.url, transport: server.transport, cells };
  });
}

/** The columns a matrix shows: every fixed one, and an optional one only when some row has a check in it. */
export function matrixColumns(matrix: readonly MatrixRow[]): MatrixColumn[] {
  return MATRIX_COLUMNS.filter((col) => !('optional' in col) || matrix.some((row) => row.cells[col.key].checks.length > 0));
}

/** Checks that no matrix cell shows (config, NAT, expectations, policy-all calls …). */
export function checksOutsideMatrix(report: Report, matrix: readonly MatrixRow[]): Check[] {
  const shown = new Set<string>();
  for (const row of matrix) for (const col of MATRIX_COLUMNS) for (const c of row.cells[col.key].checks) shown.add(c.id);
  return report.checks.filter((c) => !shown.has(c.id));
}

/** Findings that rest on a check, most severe first. */
export function findingsFor(report: Report, checkId: string): Finding[] {
  return report.findings.filter((f) => f.checkIds.includes(checkId)).sort(bySeverityDesc);
}

export function sortedFindings(report: Report): Finding[] {
  return [...report.findings].sort(bySeverityDesc);
}

// ---------------------------------------------------------------- formats

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${Number(ms.toFixed(1))} ms`;
}

export function fmtBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '–';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e8 ? 0 : 1)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

export function fmtMbps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '–';
  return (bps / 1e6).toFixed(1);
}

export function fmtDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function hostPort(address: string | null, port: number | null): string {
  if (address === null) return '–';
  const a = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return port === null ? a : `${a}:${port}`;
}

export function pairText(call: Call): string {
  const p = call.selectedPair;
  if (!p) return '–';
  const side = (c: typeof p.local) =>
    `${c.type ?? '?'}${c.relayProtocol ? `/${c.relayProtocol}` : ''} ${hostPort(c.address, c.port)}`;
  return `${side(p.local)} ⇄ ${side(p.remote)}`;
}

export function callLabel(call: Call): string {
  return call.policy === 'all' ? `${call.id} (policy all)` : `${call.id} (relay ${call.transport ?? '?'})`;
}

export const STATUS_WORD: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function countsText(report: Report): string {
  const s = report.summary;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    plural(s.passed, 'passed', 'passed'),
    plural(s.warned, 'warning', 'warnings'),
    plural(s.failed, 'failed', 'failed'),
    plural(s.skipped, 'skipped', 'skipped'),
  ].join(' · ');
}

/**
 * Whether the run stopped before it finished (Ctrl-C, a deadline, an internal error): the report
 * is partial, or the diagnosis says RUN_INTERRUPTED. Its unfinished checks are `skip` with code
 * INTERRUPTED; every renderer then leads with "interrupted", never with the counts' pass/fail.
 */
export function isInterrupted(report: Report): boolean {
  return report.partial === true || report.findings.some((f) => f.code === RUN_INTERRUPTED);
}

/** The finding code src/diagnosis gives an interrupted run (reports/ reads codes, never imports diagnosis). */
const RUN_INTERRUPTED = 'RUN_INTERRUPTED';

/** Checks the run started but did not finish. */
export function unfinishedChecks(report: Report): Check[] {
  return report.checks.filter((c) => c.code === CheckCode.INTERRUPTED);
}

/** The verdict word: INTERRUPTED for a run that did not finish, else the summary's status. */
export function verdictWord(report: Report): string {
  return isInterrupted(report) ? 'INTERRUPTED' : STATUS_WORD[report.summary.status];
}

/** The CSS/colour class of the verdict: an interrupted run is a warning whatever it measured. */
export function verdictClass(report: Report): Status | 'interrupted' {
  return isInterrupted(report) ? 'interrupted' : report.summary.status;
}

/** The one sentence under the verdict. */
export function verdictHeadline(report: Report): string {
  if (isInterrupted(report)) {
    const n = unfinishedChecks(report).length;
    const first = `The run was interrupted before it finished${n > 0 ? `: ${n} unfinished ${n === 1 ? 'check is' : 'checks are'} shown as skipped` : ''}.`;
    const top = sortedFindings(report).find((f) => f.severity === 'error' && f.code !== RUN_INTERRUPTED);
    return top ? `${first} Until then: ${top.message}` : first;
  }
  const s = report.summary.status;
  if (s === 'pass') return 'Every check passed.';
  if (s === 'skip') return 'Nothing was checked.';
  const top = sortedFindings(report)[0];
  if (top && top.severity !== 'info') return top.message;
  const worst = [...report.checks].sort(byStatusDesc)[0];
  if (!worst) return s === 'fail' ? 'Some checks failed.' : 'Some checks need attention.';
  return `${worst.kind} ${worst.target}: ${worst.code}`;
}

const KEY_DETAIL_FIELDS: readonly [string, string][] = [
  ['relayedAddress', 'relayed'],
  ['mappedAddress', 'mapped'],
  ['addresses', 'addresses'],
  ['protocol', 'tls'],
  ['errorCode', 'error'],
  ['reason', ''],
];

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(', ');
  return null;
}

/**
 * The one detail that matters most for a check, for a table cell: the call's throughput and
 * setup, candidate counts per type, a relayed/mapped address, an error — whatever it has.
 */
export function keyDetail(report: Report, check: Check): string {
  if (check.kind === 'call') {
    const call = callForCheck(report, check);
    if (call) {
      const parts: string[] = [];
      if (call.throughput) parts.push(fmtBps(call.throughput.bitsPerSecond));
      if (call.setup.totalMs !== null) parts.push(`setup ${fmtMs(call.setup.totalMs)}`);
      if (call.failedPhase) parts.push(`failed at ${call.failedPhase}`);
      if (parts.length > 0) return parts.join(', ');
    }
  }
  if (check.kind === 'gather') {
    const counts = candidateCounts(report, check);
    if (counts) return counts;
  }
  const parts: string[] = [];
  for (const [field, label] of KEY_DETAIL_FIELDS) {
    const t = scalarText(check.details[field]);
    if (t !== null && t !== '') parts.push(label ? `${label} ${t}` : t);
    if (parts.length === 2) break;
  }
  if (parts.length > 0) return parts.join(', ');
  return detailPairs(check.details, 2).join(', ');
}

function candidateCounts(report: Report, check: Check): string | null {
  const raw = check.details['candidates'];
  let counts: Record<string, number> | null = null;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    counts = Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } else {
    const mine = report.candidates.filter((c) => c.url === check.target);
    if (mine.length > 0) {
      counts = {};
      for (const c of mine) counts[c.type] = (counts[c.type] ?? 0) + 1;
    }
  }
  if (!counts) return null;
  // Of those, how many are IPv6 (gather checks count them apart): "host 2 (1 IPv6)".
  const v6raw = check.details['candidatesIpv6'];
  const v6 = v6raw && typeof v6raw === 'object' && !Array.isArray(v6raw) ? (v6raw as Record<string, unknown>) : {};
  const text = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => {
      const six = v6[t];
      return typeof six === 'number' && six > 0 ? `${t} ${n} (${six} IPv6)` : `${t} ${n}`;
    })
    .join(' ');
  return text === '' ? 'no candidates' : text;
}

/** Scalar details as `key=value`, at most `max` of them (nested values as compact JSON). */
export function detailPairs(details: Record<string, unknown>, max = Infinity): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (out.length >= max) break;
    if (v === null || v === undefined) continue;
    const t = scalarText(v) ?? truncate(JSON.stringify(v) ?? '', 120);
    out.push(`${k}=${t}`);
  }
  return out;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Where the measurements were taken, in words; null when the report does not say (older reports). */
export function originText(report: Report): string | null {
  const o = report.origin;
  if (!o) return null;
  return o.kind === 'serve' ? `Measured in a visitor's browser (result id ${o.resultId})` : 'Measured by iceprobe check on this machine';
}
