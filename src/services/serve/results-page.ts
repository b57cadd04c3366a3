/**
 * The operator's results page of `iceprobe serve`: GET /results lists the stored reports
 * (time, verdict, browser, network, result id) newest first, each linking to its HTML report at
 * /results/<file>.html. Both need the results token (`--results-token` or
 * ICEPROBE_RESULTS_TOKEN), sent as `Authorization: Bearer <token>` or as the password of HTTP
 * Basic auth (a browser asks for it); it is compared in constant time and never logged. Without
 * a configured token the page does not exist (404), so a visitor's link can never reach it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml as e } from '../../../reports/escape.js';

/** A stored report's file name: `<time>-<id>.json` (store.ts fileStamp + newResultId). */
const STORED = /^(\d{8}T\d{6}Z)-([a-z0-9]{4,32})\.(json|html)$/;
/** The newest this many are listed: the page stays small on a busy server. */
export const MAX_LISTED = 500;

/** Equal without a timing side channel: both sides hashed to the same length first. */
export function tokenEquals(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

/** The token a request presents: a Bearer token, or the password of Basic auth. */
export function presentedToken(req: Pick<IncomingMessage, 'headers'>): string | null {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return bearer[1] ?? null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

export interface StoredEntry {
  file: string;
  html: string | null;
  startedAt: string;
  resultId: string;
  status: string;
  partial: boolean;
  browser: string;
  userAgent: string | null;
  /** The visitor's public address(es) as its browser's srflx candidates saw them, and the NAT verdict if any. */
  network: string;
}

function networkOf(r: Record<string, unknown>): string {
  const cands = Array.isArray(r['candidates']) ? (r['candidates'] as Record<string, unknown>[]) : [];
  const srflx = [...new Set(cands.filter((c) => c['type'] === 'srflx' && typeof c['address'] === 'string').map((c) => String(c['address'])))];
  const relayOnly = cands.length > 0 && cands.every((c) => c['type'] === 'relay' || c['type'] === 'host') && !cands.some((c) => c['type'] === 'srflx');
  if (srflx.length > 0) return `public ${srflx.slice(0, 3).join(', ')}${srflx.length > 3 ? ` +${srflx.length - 3}` : ''}`;
  if (relayOnly) return 'no public address seen (UDP to STUN blocked?)';
  return 'no candidates';
}

/** The stored reports in `dir`, newest first; unreadable files are skipped, never fatal. */
export function listStored(dir: string): StoredEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const htmls = new Set(names.filter((n) => STORED.exec(n)?.[3] === 'html'));
  const jsons = names.filter((n) => STORED.exec(n)?.[3] === 'json').sort().reverse().slice(0, MAX_LISTED);
  const out: StoredEntry[] = [];
  for (const file of jsons) {
    const m = STORED.exec(file);
    if (!m) continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    const origin = (r['origin'] ?? {}) as Record<string, unknown>;
    const env = (r['environment'] ?? {}) as Record<string, unknown>;
    const b = env['browser'] as { name?: string; version?: string } | null | undefined;
    const summary = (r['summary'] ?? {}) as Record<string, unknown>;
    const html = file.replace(/\.json$/, '.html');
    out.push({
      file,
      html: htmls.has(html) ? html : null,
      startedAt: typeof r['startedAt'] === 'string' ? r['startedAt'] : m[1] ?? '',
      resultId: typeof origin['resultId'] === 'string' ? origin['resultId'] : (m[2] ?? ''),
      status: typeof summary['status'] === 'string' ? summary['status'] : 'unknown',
      partial: r['partial'] === true,
      browser: b ? `${b.name ?? '?'} ${b.version ?? ''}`.trim() : 'unknown',
      userAgent: typeof origin['userAgent'] === 'string' ? origin['userAgent'] : null,
      network: networkOf(r),
    });
  }
  return out;
}

const VERDICT: Record<string, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function renderResultsPage(entries: readonly StoredEntry[]): string {
  const rows = entries
    .map((x) => {
      const verdict = x.partial ? 'INTERRUPTED' : (VERDICT[x.status] ?? x.status.toUpperCase());
      const link = x.html ? `<a href="/results/${e(x.html)}">report</a>` : '<span class="muted">no HTML</span>';
      return (
        `<tr data-result-id="${e(x.resultId)}"><td data-label="Time"><time datetime="${e(x.startedAt)}">${e(x.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time></td>` +
        `<td data-label="Verdict"><span class="v v-${e(x.partial ? 'warn' : x.status)}">${e(verdict)}</span></td>` +
        `<td data-label="Browser" title="${e(x.userAgent ?? '')}">${e(x.browser)}</td>` +
        `<td data-label="Network">${e(x.network)}</td>` +
        `<td data-label="Result id"><code>${e(x.resultId)}</code></td><td data-label="Report">${link}</td></tr>`
      );
    })
    .join('');
  const body =
    entries.length === 0
      ? '<p class="muted">No results stored yet. When someone finishes the test from your link, it shows up here.</p>'
      : `<table><thead><tr><th>Time (UTC)</th><th>Verdict</th><th>Browser</th><th>Network</th><th>Result id</th><th>Report</th></tr></thead><tbody>${rows}</tbody></table>`;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">',
    '<title>iceprobe serve: results</title><style>',
    '*{box-sizing:border-box}body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1c2330}',
    'table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid #dde2ea;text-align:left;vertical-align:top}',
    'th{background:#eef1f6}code{font:13px ui-monospace,monospace}.muted{color:#5b6472}',
    '.v{font-weight:700;padding:1px 7px;border-radius:9px}.v-pass{background:#e3f4e7;color:#1e7d34}.v-warn{background:#fff1d6;color:#9a5b00}.v-fail{background:#fde6e6;color:#c62828}.v-skip{background:#eceff3;color:#5b6472}',
    '@media (max-width:640px){table,tbody,tr,td{display:block;width:100%}thead{display:none}tr{border:1px solid #dde2ea;border-radius:8px;margin-bottom:8px;padding:4px 0}td{border:0;padding:2px 10px 2px 40%;position:relative;overflow-wrap:anywhere}td::before{content:attr(data-label);position:absolute;left:10px;color:#5b6472;font-weight:600}}',
    '</style></head><body>',
    `<h1>Results (${entries.length}${entries.length === MAX_LISTED ? ', the newest' : ''})</h1>`,
    '<p class="muted">Every result a visitor stored, newest first. Ask a visitor for their result id to find theirs.</p>',
    body,
    '</body></html>',
    '',
  ].join('\n');
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Answers /results and /results/<stored>.html; false for any other path. `token` null: the
 * page is off (404).
 */
export function handleResults(req: IncomingMessage, res: ServerResponse, path: string, o: { dir: string; token: string | null }): boolean {
  if (path !== '/results' && path !== '/results/' && !path.startsWith('/results/')) return false;
  const plain = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...PAGE_HEADERS, ...headers });
    res.end(`${text}\n`);
  };
  if (o.token === null) {
    plain(404, 'not found');
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    plain(405, 'method not allowed', { allow: 'GET, HEAD' });
    return true;
  }
  const given = presentedToken(req);
  if (given === null || !tokenEquals(given, o.token)) {
    plain(401, 'the results page needs the results token (any user name, the token as password)', { 'www-authenticate': 'Basic realm="iceprobe results", charset="UTF-8"' });
    return true;
  }
  if (path === '/results' || path === '/results/') {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      ...PAGE_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : renderResultsPage(listStored(o.dir)));
    return true;
  }
  const name = path.slice('/results/'.length);
  // Only a stored report's own file name: no path, no other file of the directory.
  if (STORED.exec(name)?.[3] !== 'html') {
    plain(404, 'not found');
    return true;
  }
  let body: Buffer;
  try {
    body = readFileSync(join(o.dir, name));
  } catch {
    plain(404, 'not found');
    return true;
  }
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    // The report is inert by construction (reports/html.ts); the header says so again.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ...PAGE_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
