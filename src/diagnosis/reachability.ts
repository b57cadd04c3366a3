/**
 * Reachability analysis shared by the transport rules (udp-blocked, tcp-blocked, only-443,
 * server-unreachable, port-unreachable). Each configured URL is an endpoint; the browser's
 * gather check, the Node probe and (for TLS) the TLS handshake each say whether the server
 * answered there. The verdict of an endpoint:
 *   reached  some view got an answer from the server at this host:port/transport (any STUN/TURN
 *            answer counts, even an error: the packets got through)
 *   silent   Node sent and nothing came back in time (dropped: typical of a firewall)
 *   refused  Node got a refusal (TCP RST or ICMP port unreachable: nothing listens there)
 *   failed   only the browser tried, and got nothing usable (it cannot tell dropped from refused)
 *   unknown  nothing that says either way (skipped, no credentials, internal error)
 * Then per host and per network, what is blocked and what is down. Hosts whose name did not
 * resolve are left out: DNS_FAILURE explains them.
 */
import { CheckCode, ProtocolCode } from '../core/codes.js';
import type { Check, ServerEcho } from '../core/schema.js';
import { evidenceOf, type DiagnosisInput, type Evidence } from './evidence.js';

export type Reach = 'reached' | 'silent' | 'refused' | 'failed' | 'unknown';

const NODE_SILENT = new Set<string>([ProtocolCode.TIMEOUT, ProtocolCode.NETWORK_UNREACHABLE, ProtocolCode.CONNECTION_RESET]);
const NODE_REFUSED = new Set<string>([ProtocolCode.CONNECTION_REFUSED]);
const NODE_UNKNOWN = new Set<string>([
  ProtocolCode.SOCKET_ERROR,
  ProtocolCode.ABORTED,
  ProtocolCode.SKIPPED_DNS,
  ProtocolCode.TURN_NO_CREDENTIALS,
  CheckCode.INTERNAL_ERROR,
  CheckCode.SKIPPED,
]);
const GATHER_REACHED = new Set<string>([CheckCode.OK, CheckCode.TURN_AUTH_FAILED, CheckCode.TURN_FORBIDDEN, CheckCode.TURN_QUOTA, CheckCode.TURN_CAPACITY, CheckCode.TURN_ERROR]);
const GATHER_FAILED = new Set<string>([CheckCode.SERVER_UNREACHABLE, CheckCode.GATHER_TIMEOUT, CheckCode.NO_RELAY_CANDIDATE, CheckCode.NO_SRFLX_CANDIDATE, CheckCode.TLS_CERT_REJECTED, CheckCode.TLS_HANDSHAKE_FAILED]);

/** Node probes (stun-binding, turn-allocate, tls-handshake): every STUN/TLS-level outcome means "reached". */
export function nodeReach(c: Check | undefined): Reach {
  if (!c) return 'unknown';
  if (NODE_SILENT.has(c.code)) return 'silent';
  if (NODE_REFUSED.has(c.code)) return 'refused';
  if (NODE_UNKNOWN.has(c.code) || c.status === 'skip') return 'unknown';
  return 'reached';
}

export function gatherReach(c: Check | undefined): Reach {
  if (!c) return 'unknown';
  if (GATHER_REACHED.has(c.code)) return 'reached';
  if (GATHER_FAILED.has(c.code)) return 'failed';
  return 'unknown';
}

export interface Endpoint {
  server: ServerEcho;
  reach: Reach;
  /** The checks the verdict rests on (those that exist). */
  checks: Check[];
  /** Whether the endpoint runs over a stream (TCP or TLS). */
  stream: boolean;
}

export const isDead = (r: Reach) => r === 'silent' || r === 'refused' || r === 'failed';
/** Dead with no sign of a refusal: what a dropping firewall looks like. */
export const isBlockedLike = (r: Reach) => r === 'silent' || r === 'failed';

function combine(views: Reach[]): Reach {
  for (const r of ['reached', 'silent', 'refused', 'failed'] as const) if (views.includes(r)) return r;
  return 'unknown';
}

export interface HostView {
  host: string;
  endpoints: Endpoint[];
  udp: Endpoint[];
  stream: Endpoint[];
  reached: boolean;
  udpReached: boolean;
  streamReached: boolean;
  /** Some UDP endpoint is dead with no refusal, and none was reached. */
  udpBlockedLike: boolean;
  streamBlockedLike: boolean;
}

export interface Reachability {
  endpoints: Endpoint[];
  hosts: HostView[];
  /** UDP_BLOCKED: hosts whose UDP is blocked, and the proof (a working TCP/TLS endpoint). */
  udpBlocked: { hosts: string[]; dead: Endpoint[]; proof: Endpoint[] } | null;
  tcpBlocked: { hosts: string[]; dead: Endpoint[]; proof: Endpoint[] } | null;
  only443: { dead: Endpoint[]; working: Endpoint[] } | null;
  /** Hosts where nothing answered on any transport, not explained by a blocked transport. */
  unreachable: { host: string; dead: Endpoint[]; allRefused: boolean }[];
  /** Dead endpoints on servers that answer elsewhere, not explained by the above. */
  portUnreachable: Endpoint[];
}

function dnsFailed(ev: Evidence, host: string): boolean {
  const c = ev.dns(host);
  return c !== undefined && (c.code === ProtocolCode.DNS_NOT_FOUND || c.code === ProtocolCode.DNS_ERROR);
}

export function endpointOf(ev: Evidence, s: ServerEcho): Endpoint {
  const gather = ev.gather(s);
  const node = ev.node(s);
  const tls = ev.tls(s);
  const reach = combine([nodeReach(node), nodeReach(tls), gatherReach(gather)]);
  return { server: s, reach, checks: [gather, node, tls].filter((c): c is Check => c !== undefined), stream: s.transport !== 'udp' };
}

/**
 * A transport blocked network-wide: proven at hosts where it is dead while the other transport
 * works; hosts probed only over that transport are folded in when no host answers over it at
 * all (one firewall, not several servers down).
 */
function blockedTransport(hosts: HostView[], pick: 'udp' | 'stream'): { hosts: string[]; dead: Endpoint[]; proof: Endpoint[] } | null {
  const other = pick === 'udp' ? 'stream' : 'udp';
  const deadLike = (h: HostView) => (pick === 'udp' ? h.udpBlockedLike : h.streamBlockedLike);
  const works = (h: HostView, t: 'udp' | 'stream') => (t === 'udp' ? h.udpReached : h.streamReached);
  const proven = hosts.filter((h) => deadLike(h) && works(h, other));
  if (proven.length === 0) return null;
  const anywhere = hosts.some((h) => works(h, pick));
  const folded = anywhere ? [] : hosts.filter((h) => deadLike(h) && !h.reached && h[other].every((e) => e.reach === 'unknown'));
  const all = [...proven, ...folded];
  return {
    hosts: all.map((h) => h.host),
    dead: all.flatMap((h) => h[pick].filter((e) => isDead(e.reach))),
    proof: proven.flatMap((h) => h[other].filter((e) => e.reach === 'reached')),
  };
}

export function analyzeReachability(ev: Evidence): Reachability {
  const endpoints = ev.servers.filter((s) => !dnsFailed(ev, s.host)).map((s) => endpointOf(ev, s));
  const hostNames = [...new Set(endpoints.map((e) => e.server.host))];
  const hosts: HostView[] = hostNames.map((host) => {
    const eps = endpoints.filter((e) => e.server.host === host);
    const udp = eps.filter((e) => !e.stream);
    const stream = eps.filter((e) => e.stream);
    const reachedIn = (xs: Endpoint[]) => xs.some((e) => e.reach === 'reached');
    const blockedLikeIn = (xs: Endpoint[]) => !reachedIn(xs) && xs.some((e) => isBlockedLike(e.reach));
    return {
      host,
      endpoints: eps,
      udp,
      stream,
      reached: reachedIn(eps),
      udpReached: reachedIn(udp),
      streamReached: reachedIn(stream),
      udpBlockedLike: blockedLikeIn(udp),
      streamBlockedLike: blockedLikeIn(stream),
    };
  });

  const udpBlocked = blockedTransport(hosts, 'udp');

  // Only 443: everything that works is on 443, and a stream endpoint elsewhere gets no answer.
  const working = endpoints.filter((e) => e.reach === 'reached');
  const deadStreamOff443 = endpoints.filter((e) => e.stream && e.server.port !== 443 && isBlockedLike(e.reach));
  const only443 = working.length > 0 && working.every((e) => e.server.port === 443) && deadStreamOff443.length > 0 ? { dead: deadStreamOff443, working } : null;

  const tcpBlocked = only443 ? null : blockedTransport(hosts, 'stream');

  const explained = new Set<Endpoint>([...(udpBlocked?.dead ?? []), ...(tcpBlocked?.dead ?? []), ...(only443?.dead ?? [])]);
  const unreachable = hosts
    .filter((h) => !h.reached && h.endpoints.some((e) => isDead(e.reach) && !explained.has(e)))
    .map((h) => {
      const dead = h.endpoints.filter((e) => isDead(e.reach));
      return { host: h.host, dead, allRefused: dead.every((e) => e.reach === 'refused') };
    });
  const portUnreachable = hosts.filter((h) => h.reached).flatMap((h) => h.endpoints.filter((e) => isDead(e.reach) && !explained.has(e)));
  return { endpoints, hosts, udpBlocked, tcpBlocked, only443, unreachable, portUnreachable };
}

const cache = new WeakMap<DiagnosisInput, Reachability>();
export function reachabilityOf(input: DiagnosisInput): Reachability {
  let r = cache.get(input);
  if (!r) {
    r = analyzeReachability(evidenceOf(input));
    cache.set(input, r);
  }
  return r;
}
