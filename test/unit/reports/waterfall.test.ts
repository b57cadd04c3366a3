import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../reports/html.js';
import { renderMarkdown } from '../../../reports/markdown.js';
import { buildMatrix } from '../../../reports/model.js';
import { planWaterfall, waterfallSvg } from '../../../reports/svg.js';
import type { Call, Report } from '../../../src/core/schema.js';
import { htmlToText, loadFixture } from './helpers.js';

/** The phase names in the order the waterfall draws its rows. */
const drawnRows = (svg: string) => [...svg.matchAll(/<text class="phase-name"[^>]*>([^<]*)</g)].map((m) => m[1]);

/** A call whose page noticed its first connectivity check (polling getStats) only after ICE connected. */
function lateFirstCheck(): { report: Report; call: Call } {
  const report = loadFixture('healthy');
  const call = report.calls?.[0];
  if (!call) throw new Error('fixture without calls');
  call.setup.phases = [
    { name: 'signaling-connected', atMs: 107 },
    { name: 'offer-created', atMs: 122.7 },
    { name: 'answer-received', atMs: 372 },
    { name: 'ice-connected', atMs: 400.6 },
    { name: 'first-check', atMs: 404.3 },
    { name: 'dtls-connected', atMs: 406.1 },
    { name: 'datachannel-open', atMs: 408.6 },
  ];
  call.setup.totalMs = 408.6;
  return { report, call };
}

describe('setup waterfall', () => {
  it('a first-check noticed after ice-connected is not drawn after it: left out, and said so', () => {
    const { report, call } = lateFirstCheck();
    const svg = waterfallSvg(call);
    expect(drawnRows(svg)).toEqual(['signaling-connected', 'offer-created', 'answer-received', 'ice-connected', 'dtls-connected', 'datachannel-open']);
    expect(svg).toContain('data-phases="6"');
    expect(svg).toMatch(/<title>[^<]*first-check not drawn: polling getStats noticed it at 404 ms, after ice-connected/);
    const text = htmlToText(renderHtml(report));
    expect(text).toContain('first-check not drawn: polling getStats noticed it at 404 ms, after ice-connected, but it happened before ice-connected');
  });

  it('in causal order even when stamps arrive out of order; each bar starts where the previous phase ended', () => {
    const plan = planWaterfall([
      { name: 'datachannel-open', atMs: 50 },
      { name: 'first-check', atMs: 20 },
      { name: 'signaling-connected', atMs: 5 },
      { name: 'ice-connected', atMs: 30 },
      { name: 'offer-created', atMs: 8 },
    ]);
    expect(plan.drawn.map((p) => p.name)).toEqual(['signaling-connected', 'offer-created', 'first-check', 'ice-connected', 'datachannel-open']);
    expect(plan.late).toEqual([]);
  });

  it('the caption says what is drawn: times since the call started, not since the offer', () => {
    const html = renderHtml(loadFixture('healthy'));
    expect(html).toContain('times are since the call started');
    expect(html).not.toContain('since the offer');
  });
});

describe('matrix: the TLS probe of a turns: URL', () => {
  it('a tls-handshake check named by host:port (as the TLS probe names it) fills the turns: row', () => {
    const r = loadFixture('healthy');
    const tls = r.checks.find((c) => c.kind === 'tls-handshake');
    if (!tls) throw new Error('fixture without tls-handshake');
    tls.target = '127.0.0.1:5349';
    tls.id = 'tls-handshake:127.0.0.1:5349';
    const row = buildMatrix(r).find((m) => m.url.startsWith('turns:'));
    expect(row?.cells.tls.status).toBe('pass');
    expect(buildMatrix(r).filter((m) => !m.url.startsWith('turns:')).every((m) => m.cells.tls.status === null)).toBe(true);
    expect(renderMarkdown(r)).toMatch(/\| turns:127\.0\.0\.1:5349\?transport=tcp \| [^\n]*\| ✅ OK \| ✅ OK \| ✅ OK \| ✅ OK \|/);
  });
});

describe('HTML checks section', () => {
  it('one line per check, its raw details folded in <details> and never cut', () => {
    const r = loadFixture('healthy');
    const long = 'x'.repeat(400);
    const first = r.checks[0];
    if (!first) throw new Error('fixture without checks');
    first.details = { ...first.details, nested: { long } };
    const html = renderHtml(r);
    const section = /<section id="checks">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    const rows = section.match(/<tr data-check-id="[^"]*">[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(r.checks.length);
    for (const row of rows) {
      const detail = /<td data-label="Detail">([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '';
      const visible = detail.replace(/<details class="raw">[\s\S]*?<\/details>/, '');
      expect(visible).not.toContain('<br>');
      expect(visible).not.toContain('…');
    }
    expect(section).toContain(long);
    expect(section.match(/<details class="raw"><summary>raw details<\/summary><pre>/g)?.length).toBe(r.checks.filter((c) => Object.keys(c.details).length > 0).length);
  });
});
