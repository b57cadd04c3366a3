/**
 * PORT_UNREACHABLE: one URL gets no answer while other URLs of the same server work, and no
 * blocked transport explains it. A refusal means the server does not listen there (error); a
 * timeout, that something drops that port (warn).
 */
import type { Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { finding, type Rule } from '../evidence.js';
import { reachabilityOf } from '../reachability.js';

export const portUnreachable: Rule = (input) =>
  reachabilityOf(input).portUnreachable.map((e): Finding => {
    const s = e.server;
    const refused = e.reach === 'refused';
    return finding(
      FindingCode.PORT_UNREACHABLE,
      refused ? 'error' : 'warn',
      refused
        ? `Nothing listens for ${s.transport.toUpperCase()} on port ${s.port} at ${s.host}, so ${s.url} fails while other URLs of this server work.`
        : `${s.url} gets no answer while other URLs of the same server work, so something drops ${s.transport.toUpperCase()} to port ${s.port}.`,
      refused
        ? `Make the server listen for ${s.transport.toUpperCase()} on port ${s.port} (coturn: ${s.transport === 'tls' ? '--tls-listening-port' : '--listening-port'}), or remove the URL.`
        : `Open ${s.transport.toUpperCase()} port ${s.port} in the server's firewall (and this network's, if you run it), or remove the URL from the configuration.`,
      e.checks.filter((c) => c.status !== 'pass').map((c) => c.id),
    );
  });
