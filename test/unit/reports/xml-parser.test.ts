import { describe, expect, it } from 'vitest';
import { childElements, parseXml, textOf } from './helpers.js';

// The JUnit tests rest on this parser, so it must reject what real XML parsers reject.
describe('strict minimal XML parser (test helper)', () => {
  it('parses declaration, attributes, references, CDATA, comments and nesting', () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x="1 &amp; 2" y='&#10;&lt;'><b>t &gt; &#x41;</b><![CDATA[<raw>]]><c/></a>\n`,
    );
    expect(root.name).toBe('a');
    expect(root.attrs).toEqual({ x: '1 & 2', y: '\n<' });
    expect(childElements(root).map((e) => e.name)).toEqual(['b', 'c']);
    expect(textOf(root)).toBe('t > A<raw>');
  });

  it.each([
    ['unclosed root', '<a>'],
    ['mismatched close', '<a><b></a></b>'],
    ['raw < in text', '<a>1 < 2</a>'],
    ['raw & in text', '<a>R&D</a>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    [']]> in text', '<a>x ]]> y</a>'],
    ['unquoted attribute', '<a x=1/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['< in attribute', '<a x="<"/>'],
    ['two roots', '<a/><b/>'],
    ['text after root', '<a/>x'],
    ['control character', '<a>\u0001</a>'],
    ['no space between attributes', '<a x="1"y="2"/>'],
    ['bad declaration', '<?xml version="2.0"?><a/>'],
    ['-- in comment', '<a><!-- a -- b --></a>'],
  ])('rejects %s', (_why, xml) => {
    expect(() => parseXml(xml)).toThrow(/not well-formed|illegal XML character/);
  });
});
