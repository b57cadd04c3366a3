/**
 * Node-side protocol probes for every configured URL, all concurrent, each bounded:
 *   dns:<host>, stun-binding:<canonical> (stun:/stuns:), turn-allocate:<canonical> (turn:/turns:),
 *   tls-handshake:<host>:<port> (every TLS URL), and config:* checks (port policy).
 * Network outcomes are Checks with stable codes (the catalog, src/core/codes.ts); nothing here throws for them.
 */
import type { ServerSpec } from '../config/config.js';
import { CheckCode, ProtocolCode } from '../core/codes.js';
import type { Check } from '../core/schema.js';
import { systemClock, type Clock } from '../net/clock.js';
import { systemRouteCheck, type RouteCheck } from '../net/route.js';
import { formatHost } from '../core/uri.js';
import { isIP } from 'node:net';
import { makeCheck } from './check.js';
import type { TlsPolicy } from './connect.js';
import { checkId, tlsTarget } from '../core/ids.js';
import { dnsCheck, resolveHost, systemResolver, type Resolved, type Resolver } from './dns.js';
import { configChecks } from './port-policy.js';
import { PATH_QUALITY_DEFAULTS, pathQualityBurstMs, probePathQuality } from './path-quality.js';
import { runNatProbe } from './nat.js';
import { probeStunBinding, type ProbeContext } from './stun-binding.js';
import { probeTls } from './tls-handshake.js';
import { probeTurnAllocate } from './turn-allocate.js';
import { probeRelayReach, relayReachCheckId, RELAY_REACH_DEFAULTS } from './relay-reach.js';

export { ProtocolCode, advice, statusOf, turnErrorCode } from '../core/codes.js';
export { configChecks, browserAllowsTurnPort } from './port-policy.js';
export { classifyTls, probeTls } from './tls-handshake.js';
export { allocateFlow, type AllocateFlowResult } from './turn-flow.js';
export { attemptAllocate, probeTurnAllocate } from './turn-allocate.js';
export { probeStunBinding } from './stun-binding.js';
export { runNatProbe, discoverNat, judgeNat, natCheck, natCheckId, natMeaning, type NatVerdict, type NatBehaviour } from './nat.js';
export { dualStackId, parseDualStackId } from '../core/ids.js';
export { probePathQuality, measurePathQuality, judgePathQuality, pathQualityCheckId, pathQualityBurstMs, PathQualityCode, PATH_QUALITY_DEFAULTS } from './path-quality.js';
export { probeRelayReach, relayReachFlow, relayReachCheckId, RELAY_REACH_DEFAULTS } from './relay-reach.js';
export { classifyAddress, judgeRelayedAddress, maySendTo, type AddressClass } from './relay-address.js';
export { resolveHost, dnsCheck, systemResolver, type Resolver } from './dns.js';

export interface ProtocolProbeOptions {
  /** Bound for each probe (DNS, and each connection probe separately). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Monotonic ms clock for durations (default performance.now). */
  now?: () => number;
  resolver?: Resolver;
  /** TLS on the protocol connections (certificate problems are reported by tls-handshake either way). */
  tls?: TlsPolicy;
  /** When set, a TURN server in another realm is TURN_REALM_MISMATCH. */
  expectedRealm?: string;
  /** Initial UDP RTO (RFC 8489 §6.2.1 default 500 ms). */
  rtoMs?: number;
  /** SOFTWARE attribute to send. */
  software?: string;
  /** Include config:* port-policy checks (default true). */
  config?: boolean;
  /** RFC 5780 NAT behaviour discovery once per stun: host:port over UDP (default true). */
  nat?: boolean;
  /** path-quality burst on the first stun: UDP URL of each host (default true). */
  pathQuality?: boolean;
  /** Probe a name's IPv6 address too when it has A and AAAA records (default true). */
  dualStack?: boolean;
  /** Whether this machine has a route to an address (default: ask the kernel, src/net/route.ts). */
  routeCheck?: RouteCheck;
  /** Relay reachability from an outside socket, per turn:/turns: URL (default true). */
  relayReach?: boolean;
  /** Requests per path-quality burst (default PATH_QUALITY_DEFAULTS.count); its bound grows to fit. */
  pathQualityCount?: number;
  /**
   * Called once every loss/jitter burst has ended (at once when none runs): from then on, bulk
   * traffic (a call's data phase) no longer skews what they measure.
   */
  onPathQualityDone?: () => void;
}

const SAFETY_MARGIN_MS = 1_000;
/**
 * The nat probe bounds itself (test I by timeoutMs, the rest by full retransmission schedules at
 * the measured RTO, at most ~50 s at RTO 500 ms); the guard only catches a bug.
 */
const natGuardMs = (timeoutMs: number) => 2 * timeoutMs + 30_000;

export async function runProtocolProbes(servers: ServerSpec[], opts: ProtocolProbeOptions): Promise<Check[]> {
  const clock: Clock = opts.now ? { now: opts.now, setTimer: systemClock.setTimer } : systemClock;
  const resolver = opts.resolver ?? systemResolver;
  const routeCheck = opts.routeCheck ?? systemRouteCheck;
  const ctx: ProbeContext = {
    timeoutMs: opts.timeoutMs,
    clock,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.rtoMs !== undefined ? { rtoMs: opts.rtoMs } : {}),
    ...(opts.software ? { software: opts.software } : {}),
  };

  const dns = new Map<string, Promise<Resolved>>();
  const resolve = (host: string) => {
    let p = dns.get(host);
    if (!p) {
      p = resolveHost(host, resolver, opts.timeoutMs, clock.now);
      dns.set(host, p);
    }
    return p;
  };

  const jobs: Promise<Check>[] = [];
  const hosts = [...new Set(servers.map((s) => s.uri.host))];
  for (const host of hosts) jobs.push(resolve(host).then((r) => dnsCheck(host, r)));

  /**
   * A probe of `host`: on its first address (IPv4 first, as the other probes), and, for a name
   * with both A and AAAA records, once more on its first IPv6 address as `<id>@ipv6` — a
   * client that prefers IPv6 tries that one, and a dead AAAA is what stalls it.
   */
  const twins: Promise<Check | null>[] = [];
  const onResolved = (host: string, id: string, kind: Check['kind'], target: string, transport: Check['transport'], run: (address: string) => Promise<Check>) => {
    if (opts.dualStack !== false && isIP(host) === 0) {
      twins.push(
        (async () => {
          const r = await resolve(host);
          const v6 = r.v6[0];
          if (r.v4.length === 0 || v6 === undefined) return null;
          const twinId = checkId.ipv6Twin(id);
          if (!(await routeCheck(v6))) return noRouteCheck(twinId, kind, target, transport, host, v6);
          const c = await guard(twinId, kind, target, transport, opts.timeoutMs, clock, () => run(v6));
          // The probe names its check after the URL; the twin carries its own id.
          return { ...c, id: twinId, details: { ...c.details, family: 6, host, address: v6 } };
        })(),
      );
    }
    const job = guard(id, kind, target, transport, opts.timeoutMs, clock, async () => {
      const r = await resolve(host);
      if (r.address === null) {
        return makeCheck({ id, kind, target, transport, code: ProtocolCode.SKIPPED_DNS, message: `${host} did not resolve`, durationMs: 0, details: { dnsCheck: checkId.dns(host) } });
      }
      return run(r.address);
    });
    jobs.push(job);
    return job;
  };

  const tlsSeen = new Set<string>();
  const natSeen = new Set<string>();
  const natChecks: Check[] = [];
  /** Addresses (ip|port) already covered by a nat probe: its server and that server's OTHER-ADDRESS. */
  const natCovered = new Set<string>();
  let natChain: Promise<void> = Promise.resolve();
  const pathSeen = new Set<string>();
  const pathJobs: Promise<Check | null>[] = [];
  for (const s of servers) {
    const u = s.uri;
    if (u.transport === 'tls') {
      const key = tlsTarget(u.host, u.port);
      if (!tlsSeen.has(key)) {
        tlsSeen.add(key);
        onResolved(u.host, checkId.tls(u.host, u.port), 'tls-handshake', key, 'tls', (a) => probeTls(u.host, a, u.port, ctx));
      }
    }
    if (u.isTurn) {
      const creds = s.username !== null && s.credential !== null ? { username: s.username, password: s.credential } : null;
      onResolved(u.host, checkId.turnAllocate(u.canonical), 'turn-allocate', u.canonical, u.transport, (a) =>
        probeTurnAllocate(u, a, creds, { ...ctx, ...(opts.expectedRealm !== undefined ? { expectedRealm: opts.expectedRealm } : {}) }),
      );
      if (opts.relayReach !== false) {
        // On the first address only (no IPv6 twin): the relayed address is IPv4 by default.
        const id = relayReachCheckId(u.canonical);
        const bound = 2 * opts.timeoutMs + 2 * RELAY_REACH_DEFAULTS.waitMs;
        jobs.push(
          guard(id, 'relay-reach', u.canonical, u.transport, bound, clock, async () => {
            const r = await resolve(u.host);
            if (r.address === null) {
              return makeCheck({ id, kind: 'relay-reach', target: u.canonical, transport: u.transport, code: ProtocolCode.SKIPPED_DNS, message: `${u.host} did not resolve`, durationMs: 0, details: { dnsCheck: checkId.dns(u.host) } });
            }
            // The server's UDP STUN port, as a control when nothing reaches the relay: this URL's
            // own over UDP, else a stun:/turn: UDP URL of the same host.
            const udpPeer = u.transport === 'udp' ? u : servers.find((x) => x.uri.host === u.host && x.uri.transport === 'udp' && (x.uri.scheme === 'stun' || x.uri.scheme === 'turn'))?.uri;
            return probeRelayReach(u, r.address, [...r.v4, ...r.v6], creds, ctx, udpPeer?.port);
          }),
        );
      }
    } else {
      const binding = onResolved(u.host, checkId.stunBinding(u.canonical), 'stun-binding', u.canonical, u.transport, (a) => probeStunBinding(u, a, ctx));
      const natKey = `${formatHost(u.host)}:${u.port}`;
      if (opts.nat !== false && u.scheme === 'stun' && u.transport === 'udp' && !natSeen.has(natKey)) {
        natSeen.add(natKey);
        const common = { timeoutMs: opts.timeoutMs, clock, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.software ? { software: opts.software } : {}) };
        // One nat probe at a time (they would compete for the same NAT), each only for a server
        // that answered a plain Binding (else the stun-binding check says why) and that is not the
        // other address of a server already probed (coturn's second IP: nothing new to learn).
        const previous = natChain;
        natChain = (async () => {
          await previous;
          const b = await binding;
          const r = await resolve(u.host);
          if ((b && b.status !== 'pass') || r.address === null || natCovered.has(`${r.address}|${u.port}`)) return;
          const c = await guard(checkId.nat(u.canonical), 'nat', u.canonical, 'udp', natGuardMs(opts.timeoutMs), clock, () => runNatProbe(u, { ...common, resolver: cachedResolver(r) }));
          natChecks.push(c);
          natCovered.add(`${r.address}|${u.port}`);
          const other = /^\[?([^\]]*?)\]?:(\d+)$/.exec(String((c.details.evidence as { otherAddress?: unknown } | undefined)?.otherAddress ?? ''));
          if (other) for (const port of [u.port, Number(other[2])]) natCovered.add(`${other[1]}|${port}`);
        })();
      }
      // Loss and jitter: one burst per host keeps the probe cheap.
      // Only towards a server that answered a plain Binding: a burst at a silent or garbage-
      // answering server measures nothing (the stun-binding check already says what is wrong).
      if (opts.pathQuality !== false && u.scheme === 'stun' && u.transport === 'udp' && !pathSeen.has(u.host)) {
        pathSeen.add(u.host);
        pathJobs.push(
          (async () => {
            const b = await binding;
            if (b && b.status !== 'pass') return null;
            const r = await resolve(u.host);
            if (r.address === null) return null;
            const address = r.address;
            const count = opts.pathQualityCount ?? PATH_QUALITY_DEFAULTS.count;
            const bound = Math.max(opts.timeoutMs, pathQualityBurstMs(count));
            return guard(checkId.pathQuality(u.canonical), 'path-quality', u.canonical, 'udp', bound, clock, () =>
              probePathQuality(u, address, { timeoutMs: bound, clock, count, ...(opts.signal ? { signal: opts.signal } : {}) }),
            );
          })(),
        );
      }
    }
  }

  const pathsDone = Promise.all(pathJobs);
  if (opts.onPathQualityDone) void pathsDone.then(opts.onPathQualityDone, opts.onPathQualityDone);
  const paths = (await pathsDone).filter((c): c is Check => c !== null);
  const v6 = (await Promise.all(twins)).filter((c): c is Check => c !== null);
  const checks = [...(await Promise.all(jobs)), ...v6, ...paths, ...(await natChain.then(() => natChecks))];
  return opts.config === false ? checks : [...configChecks(servers), ...checks];
}

/** The IPv6 twin when this machine has no route to the address: it cannot judge the AAAA (skip). */
function noRouteCheck(id: string, kind: Check['kind'], target: string, transport: Check['transport'], host: string, address: string): Check {
  return makeCheck({
    id,
    kind,
    target,
    transport,
    code: ProtocolCode.SKIPPED_NO_IPV6_ROUTE,
    message: `this machine has no IPv6 route to ${address}; the host's AAAA address is not checked`,
    durationMs: 0,
    details: { family: 6, host, address },
  });
}

/** A resolver that answers from an earlier lookup (the nat probe reuses the run's DNS result). */
function cachedResolver(r: Resolved): Resolver {
  return { lookup: async (_host, family) => (family === 4 ? r.v4 : r.v6) };
}

/** Belt and braces: a probe that overruns its bound or throws becomes a check, not a hang or a crash. */
async function guard(id: string, kind: Check['kind'], target: string, transport: Check['transport'], timeoutMs: number, clock: Clock, run: () => Promise<Check>): Promise<Check> {
  const start = clock.now();
  let cancel: (() => void) | undefined;
  const overrun = new Promise<Check>((resolve) => {
    cancel = clock.setTimer(
      () => resolve(makeCheck({ id, kind, target, transport, code: ProtocolCode.TIMEOUT, message: `probe did not finish within ${timeoutMs} ms`, durationMs: clock.now() - start, details: { overrun: true } })),
      timeoutMs * 2 + SAFETY_MARGIN_MS,
    );
  });
  try {
    return await Promise.race([
      run().catch((e: unknown) =>
        makeCheck({ id, kind, target, transport, code: CheckCode.INTERNAL_ERROR, message: `internal error in the ${kind} probe: ${(e as Error)?.message ?? String(e)}`, durationMs: clock.now() - start, details: {} }),
      ),
      overrun,
    ]);
  } finally {
    cancel?.();
  }
}
