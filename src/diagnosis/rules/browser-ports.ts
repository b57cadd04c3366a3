/**
 * PORT_BLOCKED_BY_BROWSER: Chromium silently ignores TURN on ports other than 53, 80, 443 and
 * >= 1024. UNSUPPORTED_BY_BROWSER: URLs browsers ignore altogether (stuns:), and turns: URLs to
 * an IP address, which Firefox ignores (a separate finding, with its own cause).
 */
import { CheckCode } from '../../core/codes.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, type Rule } from '../evidence.js';

export const browserPorts: Rule = (input) => {
  const ev = evidenceOf(input);
  const out = [];
  const blocked = ev.checks.filter((c) => (c.kind === 'gather' || c.kind === 'config') && c.code === CheckCode.PORT_BLOCKED_BY_BROWSER);
  if (blocked.length > 0) {
    const urls = [...new Set(blocked.map((c) => c.target))];
    out.push(
      finding(
        FindingCode.PORT_BLOCKED_BY_BROWSER,
        'error',
        `Chromium refuses TURN on the port of ${list(urls)} and ignores ${urls.length === 1 ? 'it' : 'them'} without an error.`,
        'Move the TURN listener to 443 (TLS), 80, 53 or a port from 1024 up (3478 is the standard), and update the URLs.',
        blocked.map((c) => c.id),
      ),
    );
  }
  const ignored = ev.checks.filter((c) => c.kind === 'gather' && c.code === CheckCode.UNSUPPORTED_BY_BROWSER);
  // Firefox and a turns: URL to an IP address (src/browser/gather.ts), judged alone with --browser firefox.
  const ipTls = ignored.filter((c) => c.details.ipLiteralTls === true);
  const unsupported = ignored.filter((c) => c.details.ipLiteralTls !== true);
  if (ipTls.length > 0) {
    out.push(
      finding(
        FindingCode.UNSUPPORTED_BY_BROWSER,
        'warn',
        `Firefox ignores ${list(ipTls.map((c) => c.target))}: it does not open TURN over TLS to an IP address, so it tried nothing there (no error event).`,
        'Give the TURNS server a DNS name that its certificate covers and use turns:<name>:443?transport=tcp in the ICE configuration (Chromium accepts the name too).',
        ipTls.map((c) => c.id),
      ),
    );
  }
  if (unsupported.length > 0) {
    out.push(
      finding(
        FindingCode.UNSUPPORTED_BY_BROWSER,
        'warn',
        `Browsers ignore ${list(unsupported.map((c) => c.target))}: they do not implement stuns: URLs.`,
        'Use stun: (UDP) for server-reflexive candidates, and turns: for TLS, which browsers do support.',
        unsupported.map((c) => c.id),
      ),
    );
  }
  return out;
};
