/**
 * Escaping for every output format. Everything that comes from a report is untrusted text (a
 * server's error reason, a URL, a user's scenario name), so renderers pass each value through
 * exactly one of these at the point where it enters markup.
 */

// XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. Everything
// else (other C0 controls, lone surrogates, U+FFFE/U+FFFF) cannot appear even as a reference.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes what XML (and so HTML's parser, without complaint) cannot carry. */
export function xmlSafe(s: string): string {
  return s.replace(NOT_XML_CHAR, '');
}

/** Text content and double- or single-quoted attribute values in HTML. */
export function escapeHtml(value: unknown): string {
  return xmlSafe(String(value))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** XML text content. `>` is escaped too, so `]]>` never appears. */
export function escapeXmlText(value: unknown): string {
  return xmlSafe(String(value)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * XML attribute values (always written in double quotes). Tab, LF and CR become character
 * references, because attribute-value normalisation (XML §3.3.3) would turn them into spaces.
 */
export function escapeXmlAttr(value: unknown): string {
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * Inline Markdown (GitHub Flavored): one line, no markup, no links, no HTML, safe in a table cell.
 * `<`, `>` and `&` become entities (GitHub renders inline HTML); Markdown punctuation that could
 * start emphasis, code, links or strike-through is backslash-escaped; `|` is escaped for tables.
 */
export function escapeMarkdown(value: unknown): string {
  return xmlSafe(String(value))
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/** Terminal text: no escape sequences or other control characters reach the user's terminal. */
export function escapeTerminal(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').replace(/\t/g, ' ');
}
