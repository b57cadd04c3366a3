/**
 * IPv6 on dual-stack hosts. A server name with A and AAAA records is probed on both families
 * (src/core/ids.ts: each Node probe has an `@ipv6` twin).
 *
 * - IPV6_PATH_BROKEN: the IPv4 address answers, the IPv6 address does not (timeout, refused,
 *   reset, unreachable, no TLS). Clients that try IPv6 first (RFC 8305 Happy Eyeballs, or plain
 *   getaddrinfo order) wait for the IPv6 attempt to fail before falling back: calls that take
 *   10–40 s to connect, or fail where the client has only IPv6.
 * - DUAL_STACK_MISMATCH: both families answer, but differently (one authenticates and the other
 *   does not, another realm, another certificate verdict), or only the IPv6 address works: the
 *   AAAA record points at another or differently configured server.
 *
 * One finding per host and code, citing the twins and the checks they repeat. A twin skipped for
 * want of an IPv6 route from this machine says nothing about the server and is left alone.
 */
import { ProtocolCode } from '../../core/codes.js';
import type { Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, plural, type Rule } from '../evidence.js';
import { parseDualStackId } from '../../core/ids.js';

/** Outcomes that mean "nothing answered on this address", as opposed to an answer we disliked. */
const NO_ANSWER = new Set<string>([
  ProtocolCode.TIMEOUT,
  ProtocolCode.CONNECTION_REFUSED,
  ProtocolCode.CONNECTION_RESET,
  ProtocolCode.CONNECTION_CLOSED,
  ProtocolCode.NETWORK_UNREACHABLE,
  ProtocolCode.TLS_HANDSHAKE_FAILED,
]);

const TRANSPORT: Record<string, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

/** The twin's host name and the IPv6 address it probed (src/probes-node/index.ts puts both in its details). */
const detail = (c: Check, k: 'host' | 'address'): string => (typeof c.details[k] === 'string' ? c.details[k] : '?');

export const dualStack: Rule = (input) => {
  const ev = evidenceOf(input);
  const broken = new Map<string, { twins: Check[]; primaries: Check[] }>();
  const mismatch = new Map<string, { twins: Check[]; primaries: Check[]; v6Fails: boolean }>();
  for (const { twin, primary } of ev.ipv6Twins) {
    if (twin.status === 'skip' || primary.status === 'skip') continue;
    const host = detail(twin, 'host');
    if (primary.status !== 'fail' && twin.status === 'fail' && NO_ANSWER.has(twin.code)) {
      const g = broken.get(host) ?? { twins: [], primaries: [] };
      g.twins.push(twin);
      g.primaries.push(primary);
      broken.set(host, g);
    } else if (twin.code !== primary.code) {
      const g = mismatch.get(host) ?? { twins: [], primaries: [], v6Fails: false };
      g.twins.push(twin);
      g.primaries.push(primary);
      g.v6Fails ||= twin.status === 'fail';
      mismatch.set(host, g);
    }
  }
  const out = [];
  for (const [host, g] of broken) {
    const v6 = detail(g.twins[0] as Check, 'address');
    const transports = list([...new Set(g.twins.map((c) => TRANSPORT[c.transport ?? ''] ?? 'TLS'))]);
    // The browser's side of the same stall: it got its candidates over IPv4, but its gathering
    // never completed, because it keeps retrying the IPv6 address.
    const stalled = ev.servers
      .filter((s) => s.host === host)
      .map((s) => ev.gather(s))
      .filter((c): c is Check => c !== undefined && c.status === 'pass' && c.details.ended === 'timeout');
    const browser = stalled.length
      ? ` The browser saw it too: gathering for ${plural(stalled.length, 'URL')} of ${host} got its candidates but never completed within ${Math.round(Math.max(...stalled.map((c) => c.durationMs)) / 1000)} s, so applications that wait for gathering to finish stall.`
      : '';
    out.push(
      finding(
        FindingCode.IPV6_PATH_BROKEN,
        'warn',
        `${host} answers on IPv4 but not on its IPv6 address ${v6} (${transports}): clients that try IPv6 first wait for it to time out before falling back, so calls take 10–40 s to connect, and IPv6-only clients cannot connect at all.${browser}`,
        `Make the TURN/STUN server listen on ${v6} and allow IPv6 to it in the firewalls (${transports}), or remove ${host}'s AAAA record until IPv6 works.`,
        [...g.twins, ...g.primaries, ...stalled].map((c) => c.id),
      ),
    );
  }
  for (const [host, g] of mismatch) {
    const pairs = g.twins.map((t, i) => `${parseDualStackId(t.id)?.primary ?? t.id}: IPv4 ${g.primaries[i]?.code ?? '?'}, IPv6 ${t.code}`);
    out.push(
      finding(
        FindingCode.DUAL_STACK_MISMATCH,
        g.v6Fails ? 'error' : 'warn',
        `${host}'s IPv4 and IPv6 addresses answer differently (${pairs.join('; ')}): clients get a different server depending on the address family they pick.`,
        `Point ${host}'s A and AAAA records at the same server and give it the same configuration (users, realm, certificate) on both addresses.`,
        [...g.twins, ...g.primaries].map((c) => c.id),
      ),
    );
  }
  return out;
};
