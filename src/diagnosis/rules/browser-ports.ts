/**
 * PORT_BLOCKED_BY_BROWSER: Chromium silently ignores TURN on ports other than 53, 80, 443 and
 * >= 1024. UNSUPPORTED_BY_BROWSER: URLs browsers ignore altogether (stuns:).
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
  const unsupported = ev.checks.filter((c) => c.kind === 'gather' && c.code === CheckCode.UNSUPPORTED_BY_BROWSER);
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
