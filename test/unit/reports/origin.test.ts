import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../reports/html.js';
import { renderMarkdown } from '../../../reports/markdown.js';
import { originText } from '../../../reports/model.js';
import { renderTable } from '../../../reports/table.js';
import { htmlToText, loadFixture } from './helpers.js';

describe('Report.origin in the HTML report', () => {
  const base = loadFixture('healthy');

  it('a serve report says it was measured in a visitor\'s browser, with the result id and user agent (escaped)', () => {
    const r = { ...base, origin: { kind: 'serve' as const, resultId: 'k3mx9pq2ab', userAgent: 'Mozilla/5.0 <b>Chrome/156</b>' } };
    expect(originText(r)).toBe('Measured in a visitor\'s browser (result id k3mx9pq2ab)');
    const html = renderHtml(r);
    const text = htmlToText(html);
    expect(text).toContain('Measured in a visitor\'s browser (result id k3mx9pq2ab)');
    expect(text).toContain('Mozilla/5.0 <b>Chrome/156</b>');
    expect(html).not.toContain('<b>Chrome');
  });

  it('a check report names the machine; a report without origin shows no such line', () => {
    expect(originText({ ...base, origin: { kind: 'check' } })).toBe('Measured by iceprobe check on this machine');
    expect(htmlToText(renderHtml({ ...base, origin: { kind: 'check' } }))).toContain('Measured by iceprobe check on this machine');
    const { origin: _none, ...without } = base;
    expect(originText(without)).toBeNull();
    expect(htmlToText(renderHtml(without))).not.toContain('Measured ');
  });
});

describe('Report.origin in the terminal table and the Markdown summary', () => {
  const base = loadFixture('healthy');
  const serve = { ...base, origin: { kind: 'serve' as const, resultId: 'k3mx9pq2ab', userAgent: null } };

  it('a visitor\'s report says so first; a check report adds nothing', () => {
    expect(renderTable(serve, { color: false, width: 100 }).split('\n')[0]).toBe('Measured in a visitor\'s browser (result id k3mx9pq2ab)');
    expect(renderTable({ ...base, origin: { kind: 'check' } }, { color: false, width: 100 })).not.toContain('Measured');
    expect(renderMarkdown(serve)).toContain('Measured in a visitor\'s browser (result id k3mx9pq2ab)');
    expect(renderMarkdown({ ...base, origin: { kind: 'check' } })).not.toContain('Measured');
  });
});
