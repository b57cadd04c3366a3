import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../../reports/html.js';
import { renderJunit } from '../../../reports/junit.js';
import { renderMarkdown } from '../../../reports/markdown.js';
import { loadReport, writeReports } from '../../../reports/write.js';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFixture } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'iceprobe-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeReports', () => {
  it('writes every format, creating parent directories, and says what it wrote', () => {
    const r = loadFixture('failing');
    const t = { json: join(dir, 'a/b/report.json'), html: join(dir, 'c/report.html'), junit: join(dir, 'd/e/junit.xml'), markdownSummary: join(dir, 'f/summary.md') };
    const written = writeReports(r, t);
    expect(written.map((w) => [w.format, w.path])).toEqual([
      ['json', t.json],
      ['html', t.html],
      ['junit', t.junit],
      ['markdown', t.markdownSummary],
    ]);
    expect(JSON.parse(readFileSync(t.json, 'utf8'))).toEqual(r);
    expect(readFileSync(t.html, 'utf8')).toBe(renderHtml(r));
    expect(readFileSync(t.junit, 'utf8')).toBe(renderJunit(r));
    for (const w of written) expect(w.bytes).toBe(readFileSync(w.path).length);
  });

  it('appends the Markdown summary (GITHUB_STEP_SUMMARY holds every step’s summary)', () => {
    const path = join(dir, 'summary.md');
    writeFileSync(path, '# earlier step\n');
    const r = loadFixture('healthy');
    writeReports(r, { markdownSummary: path });
    writeReports(r, { markdownSummary: path });
    expect(readFileSync(path, 'utf8')).toBe(`# earlier step\n${renderMarkdown(r)}\n${renderMarkdown(r)}\n`);
  });

  it("json '-' goes to standard output", () => {
    const chunks: string[] = [];
    const r = loadFixture('partial');
    const written = writeReports(r, { json: '-' }, { stdout: { write: (c: string) => chunks.push(c) } });
    expect(written).toEqual([{ format: 'json', path: '-', bytes: Buffer.byteLength(chunks.join('')) }]);
    expect(JSON.parse(chunks.join(''))).toEqual(r);
  });

  it('refuses to write a report that does not match the schema', () => {
    const bad = { ...loadFixture('healthy'), summary: { status: 'great' } } as unknown as Parameters<typeof writeReports>[0];
    const path = join(dir, 'never.json');
    expect(() => writeReports(bad, { json: path })).toThrow();
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('loadReport', () => {
  const save = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('round-trips a written report', () => {
    const r = loadFixture('healthy');
    const p = join(dir, 'rt/report.json');
    writeReports(r, { json: p });
    expect(loadReport(p)).toEqual(r);
  });

  it('another schemaVersion is a ConfigError naming the file and both versions', () => {
    const p = save('v2.json', JSON.stringify({ ...loadFixture('healthy'), schemaVersion: 2 }));
    const err = (() => {
      try {
        loadReport(p);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(p);
    expect(problems[0]).toMatch(/schemaVersion 2\b.*schemaVersion 1\b/);
  });

  it.each([
    ['missing file', () => join(dir, 'nope.json')],
    ['not JSON', () => save('garbled.json', '{"schemaVersion": 1,')],
    ['not an object', () => save('array.json', '[]')],
    ['no schemaVersion', () => save('nov.json', '{"tool":{}}')],
    ['wrong shape', () => save('shape.json', JSON.stringify({ ...loadFixture('healthy'), checks: [{ id: 1 }] }))],
  ])('%s is a ConfigError naming the file', (_why, make) => {
    const p = make();
    let err: unknown;
    try {
      loadReport(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.every((line) => line.startsWith(`${p}: `))).toBe(true);
  });
});

describe('output paths (issue 14)', () => {
  it('checkWriteTargets names each bad path with its flag, before anything is written', async () => {
    const { checkWriteTargets } = await import('../../../reports/write.js');
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const problems = checkWriteTargets(
      { json: dir, html: join(file, 'under.html'), junit: '/proc/iceprobe-x.xml', markdownSummary: join(dir, 'ok', 'summary.md') },
      { markdownSummary: 'GITHUB_STEP_SUMMARY' },
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^--json .*: is a directory/);
    expect(problems[1]).toMatch(/^--html .*under\.html: cannot write there/);
    expect(problems[2]).toMatch(/^--junit \/proc\/iceprobe-x\.xml: cannot write there/);
    expect(checkWriteTargets({ json: '-', html: join(dir, 'fine.html') })).toEqual([]);
  });

  it('a write that fails still writes every other output, then names the failure', async () => {
    const { OutputError } = await import('../../../src/core/errors.js');
    const r = loadFixture('healthy');
    const html = join(dir, 'still.html');
    const junit = join(dir, 'still.xml');
    let err: unknown;
    try {
      writeReports(r, { json: dir, html, junit });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputError);
    const oe = err as InstanceType<typeof OutputError>;
    expect(oe.problems).toHaveLength(1);
    expect(oe.problems[0]).toMatch(/^--json .*not written \(is a directory\)/);
    expect(oe.written.map((w) => w.format)).toEqual(['html', 'junit']);
    expect(readFileSync(html, 'utf8')).toBe(renderHtml(r));
    expect(readFileSync(junit, 'utf8')).toBe(renderJunit(r));
  });
});
