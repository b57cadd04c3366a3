/**
 * SASLprep (RFC 4013), the string preparation RFC 5389/5769 apply to long-term credentials
 * (RFC 8489 uses OpaqueString, RFC 8265, which agrees on the inputs TURN deployments use).
 *
 * Mapping (RFC 4013 §2.1): non-ASCII spaces (RFC 3454 C.1.2) → U+0020; "commonly mapped to
 * nothing" (B.1, e.g. SOFT HYPHEN, ZERO WIDTH SPACE) → removed; then NFKC (§2.2).
 * Prohibited output (§2.3) — control characters, private use, surrogates, non-characters —
 * makes the result `null`; unassigned code points are allowed (stored strings, §2.5).
 */

// RFC 3454 Table B.1
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
// RFC 3454 Table C.1.2
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// RFC 3454 C.2.1, C.2.2, C.3, C.4 (subset: BMP non-characters), C.5, C.6, C.7, C.8, C.9
// eslint-disable-next-line no-control-regex
const PROHIBITED = /[\u0000-\u001F\u007F-\u009F\u06DD\u070F\u180E\u200C\u200D\u2028\u2029\u2060-\u2063\u206A-\u206F\uFEFF\uFFF9-\uFFFC\uE000-\uF8FF\uFDD0-\uFDEF\uFFFE\uFFFF\u0340\u0341\u200E\u200F\u202A-\u202E\uFFFD\u2FF0-\u2FFB\uD800-\uDFFF]/u;

export function saslprep(input: string): string | null {
  const mapped = input.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  return PROHIBITED.test(mapped) ? null : mapped;
}
