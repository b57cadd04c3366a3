/**
 * SASLprep (RFC 4013), the string preparation RFC 5389/5769 apply to long-term credentials
 * (RFC 8489 uses OpaqueString, RFC 8265, which agrees on the inputs TURN deployments use).
 *
 * Mapping (RFC 4013 §2.1): non-ASCII spaces (RFC 3454 C.1.2) → U+0020; "commonly mapped to
 * nothing" (B.1, e.g. SOFT HYPHEN, ZERO WIDTH SPACE) → removed; then NFKC (§2.2).
 * Prohibited output (§2.3) — control characters, private use, surrogates, non-characters,
 * change-display characters — makes the result `null`; unassigned code points are allowed
 * (stored strings, §2.5).
 */
type Range = readonly [number, number];
const inRanges = (cp: number, ranges: readonly Range[]) => ranges.some(([a, b]) => cp >= a && cp <= b);

// RFC 3454 Table B.1
const MAPPED_TO_NOTHING: Range[] = [[0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff]];
// RFC 3454 Table C.1.2
const NON_ASCII_SPACE: Range[] = [[0x00a0, 0x00a0], [0x1680, 0x1680], [0x2000, 0x200a], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];
// RFC 3454 C.2.1, C.2.2, C.3, C.4 (BMP part), C.5, C.6, C.7, C.8, C.9, plus supplementary private use
const PROHIBITED: Range[] = [
  [0x0000, 0x001f], [0x007f, 0x009f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x180e, 0x180e], [0x200c, 0x200f], [0x2028, 0x202e],
  [0x2060, 0x2063], [0x206a, 0x206f], [0x2ff0, 0x2ffb], [0xd800, 0xdfff], [0xe000, 0xf8ff], [0xfdd0, 0xfdef], [0xfeff, 0xfeff],
  [0xfff9, 0xffff], [0x0340, 0x0341], [0x1fffe, 0x1ffff], [0xe0001, 0xe0001], [0xe0020, 0xe007f], [0xf0000, 0x10ffff],
];

export function saslprep(input: string): string | null {
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, NON_ASCII_SPACE)) mapped += ' ';
    else if (!inRanges(cp, MAPPED_TO_NOTHING)) mapped += ch;
  }
  const out = mapped.normalize('NFKC');
  for (const ch of out) if (inRanges(ch.codePointAt(0)!, PROHIBITED)) return null;
  return out;
}
