/**
 * Test helpers for the renderers: fixture loading, HTML → text for golden files, golden
 * comparison, and a strict minimal XML 1.0 parser (well-formedness + a tree) for JUnit output.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Report } from '../../../src/core/schema.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'fixtures', 'render');
export const FIXTURE_NAMES = ['healthy', 'failing', 'partial', 'hostile'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export function loadFixture(name: FixtureName): Report {
  return Report.parse(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')));
}

/** The hostile string the hostile fixture puts into every free-text field. */
export const HOSTILE =
  '<script>alert("x")</script><img src=x onerror=alert(1)> & "q" \'a\' ]]> | *b* [l](javascript:alert(1)) \u001b[31mRED\u001b[0m \u0007';

/**
 * Compares `actual` with the checked-in golden file. `UPDATE_GOLDEN=1` rewrites it (then review
 * the diff in git). A missing golden file is a failure, never silently created.
 */
export function expectGolden(actual: string, file: string): void {
  const path = join(FIXTURES, 'golden', file);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(existsSync(path), `golden file ${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? m;
  });
}

/**
 * The visible text of the HTML report, one block per line: what a reader sees, without markup,
 * styles or attributes. SVG <text> is kept (chart labels are content); SVG <title> too.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<style>[\s\S]*?<\/style>/g, '')
      .replace(/<head>[\s\S]*?<\/head>/g, (h) => (/<title>([\s\S]*?)<\/title>/.exec(h)?.[1] ?? '') + '\n')
      .replace(/<\/(td|th)>/g, ' | ')
      .replace(/<br>/g, '\n')
      .replace(/<\/(span|code|a)>/g, ' ')
      .replace(/<\/(p|div|li|tr|h1|h2|h3|dt|dd|section|header|nav|footer|text|title|table|ul|dl)>/g, '\n')
      .replace(/<[^>]+>/g, ''),
  )
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '' && l !== '|')
    .join('\n')
    .concat('\n');
}

// ---------------------------------------------------------------- strict minimal XML parser

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * Parses XML 1.0 strictly enough to reject what real parsers reject: bad characters, unknown
 * or malformed entity references, raw `<` or `&`, `]]>` in text, mismatched or unclosed tags,
 * duplicate attributes, unquoted attributes, more than one root, text outside the root.
 * Supports the XML declaration, comments, processing instructions and CDATA. No DTDs.
 */
export function parseXml(xml: string): XmlElement {
  if (BAD_CHAR.test(xml)) throw new Error(`illegal XML character at ${xml.search(BAD_CHAR)}`);
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`XML not well-formed at offset ${i}: ${why} near ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const text = (raw: string): string => {
    if (raw.includes('<')) fail('raw < in text');
    if (raw.includes(']]>')) fail(']]> in text');
    const refs = raw.match(/&[^;]*;?/g) ?? [];
    for (const r of refs) if (!/^&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(r)) fail(`bad reference ${r}`);
    return decodeEntities(raw).replace(/&apos;/g, "'");
  };
  if (xml.startsWith('\ufeff')) i = 1;
  if (xml.startsWith('<?xml', i)) {
    const end = xml.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    const decl = xml.slice(i, end + 2);
    if (!/^<\?xml\s+version="1\.[0-9]"(\s+encoding="[A-Za-z][A-Za-z0-9._-]*")?(\s+standalone="(yes|no)")?\s*\?>$/.test(decl)) fail('bad XML declaration');
    i = end + 2;
  }
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))?.[0] ?? '';
      i += ws.length;
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (xml.slice(i + 4, end).includes('--')) fail('-- inside comment');
        i = end + 3;
      } else if (xml.startsWith('<?', i)) {
        const end = xml.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(xml.slice(i))?.[0] ?? fail('bad element name');
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))?.[0] ?? '';
      i += ws.length;
      if (xml.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [] };
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      if (ws === '') fail('expected whitespace before attribute');
      const an = NAME.exec(xml.slice(i))?.[0] ?? fail('bad attribute name');
      i += an.length;
      const eq = /^\s*=\s*/.exec(xml.slice(i))?.[0] ?? fail('expected =');
      i += eq.length;
      const q = xml[i];
      if (q !== '"' && q !== "'") fail('attribute value not quoted');
      const end = xml.indexOf(q as string, i + 1);
      if (end < 0) fail('unterminated attribute value');
      if (Object.hasOwn(attrs, an)) fail(`duplicate attribute ${an}`);
      // Attribute-value normalisation (XML §3.3.3): literal whitespace becomes a space.
      attrs[an] = text(xml.slice(i + 1, end).replace(/[\t\n\r]/g, ' '));
      i = end + 1;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (i >= xml.length) fail(`unclosed <${name}>`);
      if (xml.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_:][A-Za-z0-9_:.-]*)\s*>/.exec(xml.slice(i));
        if (!close || close[1] !== name) fail(`expected </${name}>`);
        i += (close as RegExpExecArray)[0].length;
        return { name, attrs, children };
      }
      if (xml.startsWith('<![CDATA[', i)) {
        const end = xml.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        children.push(xml.slice(i + 9, end));
        i = end + 3;
      } else if (xml.startsWith('<!--', i) || xml.startsWith('<?', i)) {
        skipMisc();
      } else if (xml[i] === '<') {
        children.push(element());
      } else {
        const next = xml.indexOf('<', i);
        const raw = xml.slice(i, next < 0 ? xml.length : next);
        children.push(text(raw));
        i += raw.length;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

export function childElements(e: XmlElement, name?: string): XmlElement[] {
  return e.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));
}

export function textOf(e: XmlElement): string {
  return e.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
