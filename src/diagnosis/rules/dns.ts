/**
 * BROWSER_DNS_FAILED: Chromium reported "host lookup received error" (701) for a server's name
 * while this machine's resolver (the dns check, getaddrinfo) resolved it. Chromium resolves
 * STUN/TURN names with its own DNS client, which asks DNS servers: a name that exists only in
 * /etc/hosts, or behind a resolver set-up Chromium does not read, never reaches the browser.
 * With DNS_FAILURE for the host, that finding explains it instead.
 */
export const browserDnsFailure: Rule = (input) => {
  const ev = evidenceOf(input);
  const byHost = new Map<string, Check[]>();
  for (const s of ev.servers) {
    const g = ev.gather(s);
    const dns = ev.dns(s.host);
    if (g?.code !== CheckCode.BROWSER_DNS_FAILED || dns?.status !== 'pass') continue;
    byHost.set(s.host, [...(byHost.get(s.host) ?? []), g]);
  }
  return [...byHost].map(([host, gathers]) => {
    const dns = ev.dns(host);
    const a = [...((dns?.details.a as string[] | undefined) ?? []), ...((dns?.details.aaaa as string[] | undefined) ?? [])];
    return finding(
      FindingCode.BROWSER_DNS_FAILED,
      'error',
      `Chromium could not resolve ${host}, although this machine's resolver does${a.length ? ` (${a.join(', ')})` : ''}: the browser resolves STUN/TURN names with its own DNS client, so a name only in /etc/hosts (or behind a local resolver set-up it does not use) gives ${plural(gathers.length, 'URL')} no candidate from the browser.`,
      `Publish ${host} in the DNS your users' resolvers query (then check again), or put the server's IP address in the URLs.`,
      [...gathers.map((c) => c.id), ...(dns ? [dns.id] : [])],
    );
  });
};

/**
 * DNS_FAILURE: a server's host name does not resolve. Every check of that host's URLs fails or
 * is skipped for that one reason, so they are cited here and no transport rule speaks for them.
 */
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import type { Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, plural, type Rule } from '../evidence.js';

export const dnsFailure: Rule = (input) => {
  const ev = evidenceOf(input);
  const failed = ev.ofKind('dns').filter((c) => c.code === ProtocolCode.DNS_NOT_FOUND || c.code === ProtocolCode.DNS_ERROR);
  return failed.map((dns) => {
    const host = dns.target;
    const affected = ev.servers.filter((s) => s.host === host).flatMap((s) => ev.about(s).filter((c) => c.status === 'fail' || c.status === 'skip'));
    const notFound = dns.code === ProtocolCode.DNS_NOT_FOUND;
    return finding(
      FindingCode.DNS_FAILURE,
      'error',
      notFound
        ? `The server name ${host} does not resolve (no A or AAAA record), so no client can reach ${list(ev.servers.filter((s) => s.host === host).map((s) => s.url)) || 'it'}.`
        : `Resolving the server name ${host} failed (resolver error or timeout), so its URLs could not be tried.`,
      notFound
        ? `Create an A (and AAAA if you serve IPv6) record for ${host}, or correct the host name in the URLs.`
        : `Check this machine's DNS resolver and that the name servers for ${host}'s zone answer; then run again.`,
      [dns.id, ...affected.map((c) => c.id)],
    );
  });
};
