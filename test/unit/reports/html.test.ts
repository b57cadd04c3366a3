import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../reports/html.js';
import { xmlSafe } from '../../../reports/escape.js';
import { FIXTURE_NAMES, HOSTILE, expectGolden, htmlToText, loadFixture } from './helpers.js';

/** Every attribute name used in any tag (report values are escaped, so `"` ends each value). */
function attributeNames(html: string): Set<string> {
  const names = new Set<string>();
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    const body = tag.replace(/^<[a-zA-Z0-9]+/, '').replace(/\/?>$/, '');
    const rest = body.replace(/\s([^\s=>"']+)(="[^"]*")?/g, (_m, name: string) => {
      names.add(name.toLowerCase());
      return '';
    });
    expect(rest.trim(), tag).toBe('');
  }
  return names;
}

const ALLOWED_ATTRIBUTES = new Set([
  'lang', 'charset', 'name', 'content', 'http-equiv', 'rel', 'href', 'id', 'class', 'title', 'role', 'aria-label',
  'data-status', 'data-code', 'data-label', 'data-check-id', 'data-call-id', 'data-phases', 'data-samples', 'data-series',
  'width', 'height', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'rx', 'fill', 'text-anchor',
]);

describe('renderHtml', () => {
  it.each(['healthy', 'failing', 'partial'] as const)('%s: text content matches the golden file', (name) => {
    expectGolden(htmlToText(renderHtml(loadFixture(name))), `${name}.html.txt`);
  });

  it.each(FIXTURE_NAMES)('%s: self-contained — no script, no external reference, a CSP that forbids fetches', (name) => {
    const html = renderHtml(loadFixture(name));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    // No src=, on*=, style= … anywhere: only a known set of attributes exists.
    for (const a of attributeNames(html)) expect(ALLOWED_ATTRIBUTES.has(a), a).toBe(true);
    const tagNames = new Set((html.match(/<([a-zA-Z][a-zA-Z0-9]*)/g) ?? []).map((t) => t.slice(1).toLowerCase()));
    for (const t of ['script', 'img', 'iframe', 'object', 'embed', 'image', 'use', 'foreignobject', 'link', 'form']) {
      if (t === 'link') continue; // the data: favicon, checked through href below
      expect(tagNames.has(t), t).toBe(false);
    }
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    // Only in-page anchors and a data: favicon.
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^(#[a-z]+|data:,)$/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:`);
    expect(html).toMatch(/@media print/);
    expect(html).toMatch(/name="viewport"/);
  });

  it('has every section, and an inline SVG waterfall and throughput chart per call', () => {
    const r = loadFixture('healthy');
    const html = renderHtml(r);
    for (const id of ['verdict', 'findings', 'matrix', 'checks', 'candidates', 'calls', 'timeline', 'throughput', 'environment']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toContain('data-status="pass"');
    expect(html.match(/<svg class="chart waterfall"/g)).toHaveLength(4);
    expect(html.match(/<svg class="chart throughput"[^>]*data-samples="12"/g)).toHaveLength(4);
    // 12 points and 11 segments per throughput chart.
    expect(html.match(/<circle class="point"/g)).toHaveLength(48);
    expect(html.match(/<line class="series"/g)).toHaveLength(44);
    // The matrix: 4 server rows of 6 check columns.
    const matrix = /<table class="stack matrix">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect(matrix.match(/<tr>/g)).toHaveLength(5);
    expect(matrix.match(/<td data-label/g)).toHaveLength(4 * 7);
  });

  it("a call's chart states the headline's margin when the report has one", () => {
    const r = loadFixture('healthy');
    const call = r.calls?.find((c) => c.throughput);
    expect(call).toBeDefined();
    const withMargin = { ...r, calls: r.calls?.map((c) => (c === call && c.throughput ? { ...c, throughput: { ...c.throughput, marginPercent: 7.4 } } : c)) };
    // The throughput card's facts line (the call's second card; the first is its setup timeline).
    const facts = (html: string) => [...html.matchAll(new RegExp(`chart-card" data-call-id="${call!.id}"[^]*?</p>`, 'g'))].map((m) => htmlToText(m[0])).join(' | ');
    expect(facts(renderHtml(withMargin))).toMatch(/delivered over .*\(±7 %, 90 % confidence\)/);
    expect(facts(renderHtml(r))).not.toContain('confidence');
  });

  it('failing: the verdict says fail and the findings carry severity, message and advice', () => {
    const r = loadFixture('failing');
    const html = renderHtml(r);
    expect(html).toMatch(/<header id="verdict" class="verdict v-fail" data-status="fail">/);
    const f = r.findings.find((x) => x.code === 'TURN_AUTH_FAILED');
    expect(html).toContain(`<li class="card finding sev-error" data-code="TURN_AUTH_FAILED">`);
    expect(htmlToText(html)).toContain(f?.advice);
    // A failed call without phases past ICE still draws its waterfall, ending in the failed phase.
    expect(html.match(/<g class="phase failed">/g)).toHaveLength(3);
  });

  it('a report without calls, candidates, findings or browser still renders', () => {
    const r = loadFixture('partial');
    const bare = { ...r, findings: [], servers: [], checks: [], summary: { status: 'skip' as const, passed: 0, warned: 0, failed: 0, skipped: 0 } };
    for (const report of [r, bare]) {
      const html = renderHtml(report);
      expect(html).toContain('<div class="verdict-word">INTERRUPTED</div>');
      expect(html).not.toContain('<svg');
      expect(html).toContain('</html>');
    }
  });

  it('hostile strings are escaped everywhere: no injected markup, the text reads back verbatim', () => {
    const r = loadFixture('hostile');
    const html = renderHtml(r);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(attributeNames(html).has('onerror')).toBe(false);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u0007');
    // Every hostile field is shown as text (less the control characters).
    const visible = htmlToText(html);
    const safe = xmlSafe(HOSTILE).replace(/\s+/g, ' ').trim();
    expect(visible.split(safe).length - 1).toBeGreaterThanOrEqual(6);
    // Tag count equals the benign report's: nothing was added by the data.
    const tags = (h: string) => (h.match(/<[a-zA-Z]/g) ?? []).length;
    expect(tags(html)).toBe(tags(renderHtml(loadFixture('failing'))));
  });
});

describe('IPv6 in the HTML report', () => {
  it('counts IPv6 candidates apart and labels IPv6 twins of the Node probes', () => {
    const r = loadFixture('healthy');
    const host = r.candidates.find((c) => c.type === 'host');
    if (!host) throw new Error('fixture without a host candidate');
    r.candidates.push({ ...host, address: '2001:db8:1::10', family: 'ipv6' });
    const gather = r.checks.find((c) => c.kind === 'gather' && typeof c.details['candidates'] === 'object');
    if (!gather) throw new Error('fixture without a gather check');
    gather.details = { ...gather.details, candidates: { host: 2, srflx: 1 }, candidatesIpv6: { host: 1, srflx: 0 } };
    const primary = r.checks.find((c) => c.kind === 'turn-allocate');
    if (!primary) throw new Error('fixture without turn-allocate');
    r.checks.push({ ...primary, id: `${primary.id}@ipv6` });
    const text = htmlToText(renderHtml(r));
    expect(text).toMatch(/\d+ host \(1 IPv6\)/);
    expect(text).toContain('host 2 (1 IPv6) srflx 1');
    expect(text).toContain('turn-allocate (IPv6)');
  });
});

describe('serve reports in HTML', () => {
  it('both directions: Upload and Download columns, a failed download shows its code', () => {
    const r = loadFixture('healthy');
    const calls = r.calls ?? [];
    const [first, second] = calls;
    if (!first || !second) throw new Error('fixture with fewer than two calls');
    first.download = { status: 'pass', code: 'OK', failedPhase: null, setupMs: 120, throughput: { bitsPerSecond: 42_000_000, goodputBitsPerSecond: 41_000_000, bytes: 1, durationMs: 1000, samples: [] } };
    second.download = { status: 'fail', code: 'RELAY_CALL_FAILED', failedPhase: 'ice', setupMs: null, throughput: null };
    const text = htmlToText(renderHtml(r));
    expect(text).toMatch(/Upload[\s\S]*Download/);
    expect(text).toContain('42.0 Mbit/s');
    expect(text).toContain('RELAY_CALL_FAILED');
    // A check report (no download anywhere) keeps its single Throughput column.
    expect(htmlToText(renderHtml(loadFixture('healthy')))).not.toContain('Download');
  });
});
