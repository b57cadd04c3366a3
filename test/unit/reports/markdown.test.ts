import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../reports/markdown.js';
import { expectGolden, FIXTURE_NAMES, loadFixture } from './helpers.js';

/** Unescaped `|` in a table line = its cell borders. */
const pipes = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;

describe('renderMarkdown', () => {
  it.each(['healthy', 'failing', 'partial'] as const)('%s: matches the golden file', (name) => {
    expectGolden(renderMarkdown(loadFixture(name)), `${name}.md`);
  });

  it.each(FIXTURE_NAMES)('%s: every table row has as many cells as its header', (name) => {
    const lines = renderMarkdown(loadFixture(name)).split('\n');
    let header = -1;
    for (const l of lines) {
      if (!l.startsWith('|')) {
        header = -1;
        continue;
      }
      if (header < 0) header = pipes(l);
      else expect(pipes(l), l).toBe(header);
    }
  });

  it('failing: a verdict line, the findings with advice, the matrix and the calls', () => {
    const r = loadFixture('failing');
    const md = renderMarkdown(r);
    expect(md.split('\n')[0]).toMatch(/^## ❌ iceprobe: FAIL — /);
    expect(md).toMatch(/^- ❌ \*\*TURN\\_AUTH\\_FAILED\*\*: /m);
    expect(md).toContain('### Servers × checks');
    expect(md).toMatch(/^\| turn:127\.0\.0\.1:3478\?transport=udp \| ⏭️ SKIPPED \| — \| ❌ TURN\\_AUTH\\_FAILED \| — \| ❌ TURN\\_AUTH\\_FAILED \| ❌ RELAY\\_CALL\\_FAILED \|$/m);
    expect(md).toMatch(/^\| relay-udp \(relay udp\) \| ❌ RELAY\\_CALL\\_FAILED at iceConnected \|/m);
  });

  it('hostile: no HTML, no links, no control characters reach the summary', () => {
    const md = renderMarkdown(loadFixture('hostile'));
    expect(md).not.toMatch(/<[a-zA-Z/]/);
    expect(md).not.toMatch(/(^|[^\\])\[l\]/);
    expect(md).not.toMatch(/(^|[^\\])\*b\*/);
    expect(md).not.toContain('\u001b');
    expect(md).toContain('&lt;script&gt;');
  });
});
