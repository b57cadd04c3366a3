/**
 * Check ids: the one module that builds and parses them. Nothing else spells one. An id is
 * stable within a report; findings cite it, `--expect pass:<id>` names it, renderers group by it.
 *
 *   gather:<url>                  the browser gathering one URL (src/browser/gather.ts)
 *   gather:all                    one RTCPeerConnection with every UDP server (NAT mapping evidence)
 *   call:relay/<udp|tcp|tls>      the relay-forced loopback call over one TURN transport
 *   call:all                      the loopback call with every server (policy all)
 *   call:relay-one-side/<t>       the one-sided call: caller relay-forced over <t>, callee without TURN
 *   stun-binding:<url>            Node STUN Binding (src/probes-node/stun-binding.ts)
 *   turn-allocate:<url>           Node TURN Allocate (src/probes-node/turn-allocate.ts)
 *   relay-reach:<url>             an outside socket to the TURN relayed address (src/probes-node/relay-reach.ts)
 *   tls-handshake:<host>:<port>   Node TLS handshake; an IPv6 host is bracketed
 *   dns:<host>                    Node DNS resolution
 *   nat:<url>                     RFC 5780 NAT behaviour discovery
 *   path-quality:<url>            loss and jitter bursts
 *   config:port-policy:<url>      static: Chromium's TURN port policy
 *   config:turns-port:<url>       static: turns: on 443
 *   config:turn                   static: whether any turn:/turns: URL is configured
 *   config:tcp-tls-relay          static: whether any TURN URL runs over TCP or TLS
 *   expect:<rule>                 a `--expect` gate (src/run/expect.ts)
 *   media                         the visitor's camera and microphone (serve)
 *
 * where <url> is the server's canonical URL, as echoed in `report.servers[].url`.
 *
 * Dual-stack hosts: a name with A and AAAA records is probed on both families. The probe of its
 * IPv6 address is a twin of the ordinary (first-address) probe, with the same id plus `@ipv6`,
 * so reports and the diagnosis can pair them. Pure.
 */
import type { CheckKind, Transport } from './schema.js';
import { formatHost } from './uri.js';

export const GATHER_ALL_ID = 'gather:all';
export const CALL_ALL_ID = 'call:all';
export const MEDIA_CHECK_ID = 'media';

const RELAY_CALL_PREFIX = 'call:relay/';
/** The one-sided call's id prefix (src/browser/calls.ts planOneSidedCall). */
export const ONE_SIDED_CALL_PREFIX = 'call:relay-one-side/';
const TWIN_SUFFIX = '@ipv6';
const TURN_CONFIGURED_RULE = 'turn';
const TCP_TLS_RELAY_RULE = 'tcp-tls-relay';

/** Builders, one per producer. */
export const checkId = {
  gather: (url: string): string => `gather:${url}`,
  gatherAll: (): string => GATHER_ALL_ID,
  /** A relay-forced call over `transport`, or the policy-all call when null. */
  call: (transport: Transport | null): string => (transport === null ? CALL_ALL_ID : `${RELAY_CALL_PREFIX}${transport}`),
  /** The one-sided call: caller relay-forced over `transport`, callee without TURN. */
  oneSidedCall: (transport: Transport): string => `${ONE_SIDED_CALL_PREFIX}${transport}`,
  stunBinding: (url: string): string => `stun-binding:${url}`,
  turnAllocate: (url: string): string => `turn-allocate:${url}`,
  relayReach: (url: string): string => `relay-reach:${url}`,
  /** The Node probe for a URL: turn-allocate for turn(s):, stun-binding for stun(s):. */
  nodeProbe: (url: string, isTurn: boolean): string => (isTurn ? checkId.turnAllocate(url) : checkId.stunBinding(url)),
  tls: (host: string, port: number): string => `tls-handshake:${tlsTarget(host, port)}`,
  dns: (host: string): string => `dns:${host}`,
  nat: (url: string): string => `nat:${url}`,
  pathQuality: (url: string): string => `path-quality:${url}`,
  portPolicy: (url: string): string => `config:port-policy:${url}`,
  turnsPort: (url: string): string => `config:turns-port:${url}`,
  /** Static: is any TURN URL configured (one per run). */
  turnConfigured: (): string => `config:${TURN_CONFIGURED_RULE}`,
  /** Static: does any TURN URL run over TCP or TLS (one per run). */
  tcpTlsRelay: (): string => `config:${TCP_TLS_RELAY_RULE}`,
  expectation: (rule: string): string => `expect:${rule}`,
  media: (): string => MEDIA_CHECK_ID,
  /** The id of a probe's twin on the host's IPv6 address. */
  ipv6Twin: (id: string): string => `${id}${TWIN_SUFFIX}`,
} as const;

/** What a TLS check targets: `host:port`, an IPv6 host bracketed. */
export function tlsTarget(host: string, port: number): string {
  return `${formatHost(host)}:${port}`;
}

/** The id of a probe's twin on the host's IPv6 address. */
export const dualStackId = checkId.ipv6Twin;

/** The probe id a twin repeats; null for an ordinary id. */
export function parseDualStackId(id: string): { primary: string; family: 6 } | null {
  if (!id.endsWith(TWIN_SUFFIX) || id.length === TWIN_SUFFIX.length) return null;
  return { primary: id.slice(0, -TWIN_SUFFIX.length), family: 6 };
}

/** Kinds whose id is `<kind>:<canonical url>`. */
const URL_KINDS = ['gather', 'stun-binding', 'turn-allocate', 'relay-reach', 'nat', 'path-quality'] as const satisfies readonly CheckKind[];
const CONFIG_RULES = ['port-policy', 'turns-port'] as const;

export type ParsedCheckId =
  | { kind: (typeof URL_KINDS)[number]; url: string }
  | { kind: 'gather-all' }
  | { kind: 'call'; transport: Transport | null }
  | { kind: 'one-sided-call'; transport: Transport }
  | { kind: 'config'; rule: (typeof CONFIG_RULES)[number]; url: string }
  | { kind: 'config'; rule: typeof TURN_CONFIGURED_RULE | typeof TCP_TLS_RELAY_RULE }
  | { kind: 'tls-handshake'; target: string }
  | { kind: 'dns'; host: string }
  | { kind: 'expectation'; rule: string }
  | { kind: 'media' };

/**
 * An id taken apart: an IPv6 twin as its primary with `ipv6: true`, another engine's check as
 * Chromium's with `engine`; null for an id no producer makes.
 */
export function parseCheckId(id: string): (ParsedCheckId & { ipv6: boolean; engine: EngineName }) | null {
  const { primary, engine } = parseEngineId(id);
  const twin = parseDualStackId(primary);
  const parsed = parseBare(twin ? twin.primary : primary);
  return parsed ? { ...parsed, ipv6: twin !== null, engine } : null;
}

function parseBare(id: string): ParsedCheckId | null {
  if (id === GATHER_ALL_ID) return { kind: 'gather-all' };
  if (id === CALL_ALL_ID) return { kind: 'call', transport: null };
  if (id === MEDIA_CHECK_ID) return { kind: 'media' };
  if (id.startsWith(ONE_SIDED_CALL_PREFIX)) {
    const t = id.slice(ONE_SIDED_CALL_PREFIX.length);
    return t === 'udp' || t === 'tcp' || t === 'tls' ? { kind: 'one-sided-call', transport: t } : null;
  }
  if (id.startsWith(RELAY_CALL_PREFIX)) {
    const t = id.slice(RELAY_CALL_PREFIX.length);
    return t === 'udp' || t === 'tcp' || t === 'tls' ? { kind: 'call', transport: t } : null;
  }
  const colon = id.indexOf(':');
  if (colon <= 0) return null;
  const head = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (rest === '') return null;
  for (const k of URL_KINDS) if (head === k) return { kind: k, url: rest };
  if (head === 'tls-handshake') return { kind: 'tls-handshake', target: rest };
  if (head === 'dns') return { kind: 'dns', host: rest };
  if (head === 'expect') return { kind: 'expectation', rule: rest };
  if (head === 'config') {
    if (rest === TURN_CONFIGURED_RULE || rest === TCP_TLS_RELAY_RULE) return { kind: 'config', rule: rest };
    for (const r of CONFIG_RULES) if (rest.startsWith(`${r}:`) && rest.length > r.length + 1) return { kind: 'config', rule: r, url: rest.slice(r.length + 1) };
  }
  return null;
}

/** The canonical URL an id is about (gather, Node probes, nat, path-quality, config), else null. */
export function checkIdUrl(id: string): string | null {
  const p = parseCheckId(id);
  return p !== null && 'url' in p ? p.url : null;
}

/** Whether the id is a relay-forced loopback call (`call:relay/<transport>`). */
export function isRelayCallId(id: string): boolean {
  const p = parseCheckId(id);
  return p !== null && p.kind === 'call' && p.transport !== null && !p.ipv6;
}


/**
 * Browser engines: the in-browser checks (gather, call) of an engine other than Chromium carry
 * the engine as a suffix, `<id>@<engine>` (e.g. `gather:turn:h:3478?transport=udp@firefox`,
 * `call:relay/tls@firefox`); Chromium's keep their plain ids, so reports and CI history from
 * before the engine option stay comparable. Call entries' ids (`relay-udp@firefox`) and
 * candidates' checkIds follow the same rule.
 */
export type EngineName = 'chromium' | 'firefox';
const ENGINE_SUFFIX = /^(.+)@(firefox)$/;

/** The id of `id`'s counterpart measured in `engine` (unchanged for Chromium). */
export function engineId(id: string, engine: EngineName): string {
  return engine === 'chromium' ? id : `${id}@${engine}`;
}

/** Which engine measured a check (Chromium for a plain id) and the Chromium id it pairs with. */
export function parseEngineId(id: string): { primary: string; engine: EngineName } {
  const m = ENGINE_SUFFIX.exec(id);
  return m?.[1] ? { primary: m[1], engine: m[2] as EngineName } : { primary: id, engine: 'chromium' };
}
