/**
 * ENGINES_DISAGREE: with `--browser all`, a URL's gathering or a relay-forced call works in one
 * engine and not in the other, so the users of one browser fail where the others connect. Each
 * Firefox check (`<id>@firefox`, src/core/ids.ts) is paired with Chromium's plain `<id>`; the
 * finding names the likely cause from what the failing side reported:
 *   - Firefox ignores a turns: URL whose host is an IP address (gather details.ipLiteralTls;
 *     measured on firefox-esr 153: no connection attempt, no error event);
 *   - each engine refuses its own ports: Chromium allows TURN only on 53, 80, 443 and ≥1024,
 *     Firefox refuses the Fetch standard's "bad ports" (5060, 5061, 1719, 6000, …) on any scheme;
 *   - a TURNS certificate one engine rejects: Firefox checks against its own NSS root store (not
 *     the system's) and does not fetch missing intermediates; Chromium uses the platform's;
 *   - otherwise the failing engine's own TURN/ICE client (its TLS ClientHello, STUN retransmits,
 *     permissions), which a middlebox or TLS front in the path can treat differently.
 * Measured, and so NOT given as a cause: Firefox 153 does send the turns: host name as SNI, like
 * Chromium (an SNI-routing TLS front, e.g. nginx ssl_preread_server_name, sees the name from both).
 * Pure.
 */
import { checkWorked as worked } from '../../core/check.js';
import { CheckCode } from '../../core/codes.js';
import { checkId, parseEngineId, type EngineName } from '../../core/ids.js';
import type { Check, Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';

const LABEL: Record<EngineName, string> = { chromium: 'Chromium', firefox: 'Firefox' };

function what(c: Check): string {
  return c.kind === 'call' ? `the relay-forced call over TURN/${c.transport ?? '?'} (${c.target})` : `gathering for ${c.target}`;
}

interface Cause {
  cause: string;
  advice: string;
}

function causeOf(failed: Check, failedIn: EngineName, other: EngineName): Cause {
  const port = typeof failed.details.port === 'number' ? failed.details.port : null;
  if (failed.details.ipLiteralTls === true) {
    return {
      cause: 'Firefox does not open TURN over TLS to an IP address: it ignores a turns: URL whose host is an IP literal, without an error',
      advice: 'Give the TURNS server a DNS name that its certificate covers and use turns:<name>:443?transport=tcp in the ICE configuration (Chromium accepts the name too).',
    };
  }
  if (failed.code === CheckCode.PORT_BLOCKED_BY_BROWSER) {
    return failedIn === 'chromium'
      ? {
          cause: `Chromium allows TURN only on ports 53, 80, 443 and from 1024 up${port !== null ? ` (this URL uses ${port})` : ''}; ${LABEL[other]} has no such rule`,
          advice: 'Move the TURN listener to 443 (TLS), 80, 53 or a port from 1024 up (3478 is the standard), and update the URLs.',
        }
      : {
          cause: `Firefox refuses the Fetch standard's "bad ports" (e.g. 1719, 5060, 5061, 6000)${port !== null ? `, and this URL uses ${port}` : ''}; Chromium applies its own TURN port rule instead`,
          advice: 'Move the TURN listener to 3478 (or 443 for TLS), a port both engines allow, and update the URLs.',
        };
  }
  if (failed.transport === 'tls' && (failed.code === CheckCode.TLS_CERT_REJECTED || failed.code.startsWith('TLS_'))) {
    return {
      cause: `${LABEL[failedIn]} rejects the TURNS certificate that ${LABEL[other]} accepts: the engines trust different stores (Firefox its own NSS roots, not the system's; Chromium the platform's); Chromium fetches missing intermediate certificates itself, Firefox knows only the intermediates it ships`,
      advice: 'Serve the full chain (leaf + intermediates) from a public CA both engines trust; for a private CA, install it in Firefox too (enterprise policy "Certificates" / security.enterprise_roots.enabled).',
    };
  }
  if (failed.kind === 'call') {
    return {
      cause: `both engines reach the server, but ${LABEL[failedIn]}'s ICE/DTLS through the relay did not complete${typeof failed.details.failedPhase === 'string' ? ` (phase "${failed.details.failedPhase}")` : ''}`,
      advice: `Compare the server's log for the two engines' allocations (CreatePermission, ChannelBind, refreshes); retest with ${LABEL[failedIn]} after a server upgrade.`,
    };
  }
  return {
    cause: `the difference is in ${LABEL[failedIn]}'s own TURN/ICE client (TLS ClientHello, STUN retransmission timing, ports), which a firewall, proxy or TLS front in the path can treat differently`,
    advice: `Look at what a TLS front or firewall in the path does with ${LABEL[failedIn]}'s connections (its logs for the two engines' attempts), and compare the two checks' details.`,
  };
}

export const enginesDisagree: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  // Whether an engine got a relay candidate from any TURN URL: without one, its users' calls that need a relay fail.
  const turnGathers = new Set(ev.turnServers.map((s) => checkId.gather(s.url)));
  const hasRelay = (e: EngineName) => ev.checks.some((c) => c.kind === 'gather' && parseEngineId(c.id).engine === e && turnGathers.has(parseEngineId(c.id).primary) && worked(c));
  for (const c of ev.checks) {
    if (c.kind !== 'gather' && c.kind !== 'call') continue;
    const { primary, engine } = parseEngineId(c.id);
    if (engine === 'chromium') continue;
    const base = ev.check(primary);
    if (!base || base.status === 'skip' || c.status === 'skip' || worked(base) === worked(c)) continue;
    const [failed, failedIn, ok, okIn] = worked(base) ? [c, engine, base, 'chromium' as const] : [base, 'chromium' as const, c, engine];
    const { cause, advice } = causeOf(failed, failedIn, okIn);
    const stranded = failed.kind === 'gather' && turnGathers.has(primary) && !hasRelay(failedIn) && hasRelay(okIn);
    out.push(
      finding(
        FindingCode.ENGINES_DISAGREE,
        failed.status === 'fail' || stranded ? 'error' : 'warn',
        `${what(ok)[0]?.toUpperCase()}${what(ok).slice(1)} works in ${LABEL[okIn]} but not in ${LABEL[failedIn]} (${failed.code}), so ${LABEL[failedIn]} users lose this path${stranded ? ` and, from here, every relay: no TURN URL gave ${LABEL[failedIn]} a relay candidate` : ''}. Likely cause: ${cause}.`,
        advice,
        [ok.id, failed.id],
      ),
    );
  }
  return out;
};
