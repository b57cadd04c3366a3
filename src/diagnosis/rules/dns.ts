/**
 * DNS_FAILURE: a server's host name does not resolve. Every check of that host's URLs fails or
 * is skipped for that one reason, so they are cited here and no transport rule speaks for them.
 */
import { ProtocolCode } from '../../protocol/codes.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, type Rule } from '../evidence.js';

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
