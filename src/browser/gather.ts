/**
 * Node side of browser gathering: drives the probe page for each URL (concurrently, one
 * RTCPeerConnection each) and turns what the browser saw into `gather` checks and candidates.
 * The verdict logic (`judgeGather`) is pure and unit-tested.
 */
import { isIP } from 'node:net';
import type { PageEvaluator } from './engine.js';
import type { ServerSpec } from '../config/config.js';
import { makeCheck } from '../core/check.js';
import { CheckCode } from '../core/codes.js';
import { iceServer } from '../config/ice-server.js';
import type { Candidate, Check } from '../core/schema.js';
import type { GatherResult, GatherSpec } from '../../probes/types.js';
import { checkId, GATHER_ALL_ID } from '../core/ids.js';
import { gatherAllMappings } from '../core/nat.js';
import type { Engine } from './engine.js';

/** Chromium's TURN port policy: only 53, 80, 443 and >= 1024 (NOTES; net/base/port_util). */
export function browserAllowsTurnPort(port: number): boolean {
  return port === 53 || port === 80 || port === 443 || port >= 1024;
}

export function gatherCheckId(s: ServerSpec): string {
  return checkId.gather(s.uri.canonical);
}

/**
 * Whether the engine uses this URL at all. Chromium ignores stuns: and TURN on forbidden ports;
 * Firefox has no such TURN port rule (it refuses the Fetch standard's "bad ports" at run time,
 * which judgeGather reads from its error) and throws on stuns:.
 */
export function browserUsable(s: ServerSpec, engine: Engine = 'chromium'): boolean {
  return s.uri.scheme !== 'stuns' && (engine !== 'chromium' || !s.uri.isTurn || browserAllowsTurnPort(s.uri.port));
}

/** The gather check of a URL the browser would ignore, known without running it; null if usable. */
export function browserRefusal(s: ServerSpec, engine: Engine = 'chromium'): Check | null {
  const base = { id: gatherCheckId(s), kind: 'gather' as const, target: s.uri.canonical, transport: s.uri.transport };
  if (engine === 'chromium' && s.uri.isTurn && !browserAllowsTurnPort(s.uri.port)) {
    return makeCheck({
      ...base,
      code: CheckCode.PORT_BLOCKED_BY_BROWSER,
      message: `Chromium refuses TURN on port ${s.uri.port} (only 53, 80, 443 and 1024+ are allowed) and ignores this URL silently`,
      durationMs: 0,
      details: { port: s.uri.port },
    });
  }
  if (s.uri.scheme === 'stuns') {
    return makeCheck({ ...base, code: CheckCode.UNSUPPORTED_BY_BROWSER, message: 'Browsers do not implement stuns: URLs; they ignore it', durationMs: 0, details: {} });
  }
  return null;
}

/** Extra bound on top of the page's own, so a wedged page can never hang the run. */
const PAGE_SLACK_MS = 3_000;

export async function runGather(page: PageEvaluator, spec: GatherSpec): Promise<GatherResult> {
  const call = page.evaluate(`window.iceprobe.gather(${JSON.stringify(spec)})`) as Promise<GatherResult>;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`page did not answer within ${spec.timeoutMs + PAGE_SLACK_MS} ms`)), spec.timeoutMs + PAGE_SLACK_MS);
  });
  try {
    return await Promise.race([call, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the browser URL string should be: the canonical form, keeping ?transport for TURN. */
export function browserUrl(s: ServerSpec): string {
  return s.uri.canonical;
}

/** The page's spec for gathering one URL on its own RTCPeerConnection. */
export function gatherSpec(s: ServerSpec, timeoutMs: number): GatherSpec {
  const { urls, ...cred } = iceServer(s);
  return { url: String(urls), ...cred, timeoutMs };
}

/** Chromium writes IPv6 candidate addresses in brackets; the report holds bare addresses. */
function unbracket(a: string | null): string | null {
  return a === null ? null : a.replace(/^\[(.*)\]$/, '$1');
}

/** One browser candidate as the report holds it, attributed to `url` and the check that saw it. */
/** 'ipv4' / 'ipv6' for an IP address, null for an mDNS name or none. */
export function addressFamily(address: string | null | undefined): Candidate['family'] {
  const v = address ? isIP(address) : 0;
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

function toCandidate(c: GatherResult['candidates'][number], url: string, checkId: string): Candidate {
  const address = unbracket(c.address);
  return {
    url,
    checkId,
    type: c.type,
    protocol: c.protocol,
    // A relay candidate's own protocol is always udp; the client→TURN leg is relayProtocol.
    relayProtocol: c.type === 'relay' ? (c.relayProtocol ?? null) : null,
    address,
    family: addressFamily(address),
    port: c.port,
    relatedAddress: unbracket(c.relatedAddress),
    relatedPort: c.relatedPort,
    priority: c.priority,
    foundation: c.foundation,
    elapsedMs: c.elapsedMs,
  };
}

export interface GatherVerdict {
  check: Check;
  candidates: Candidate[];
}

function codeForErrors(result: GatherResult, s: ServerSpec): { code: string; err: GatherResult['errors'][number] } | null {
  // Prefer a STUN error code from the server over a connection-level 7xx.
  const byServer = result.errors.filter((e) => e.errorCode >= 300 && e.errorCode < 700);
  const e = byServer[0] ?? result.errors[0];
  if (!e) return null;
  switch (e.errorCode) {
    case 401:
    case 441:
      return { code: CheckCode.TURN_AUTH_FAILED, err: e };
    case 403:
      return { code: CheckCode.TURN_FORBIDDEN, err: e };
    case 486:
      return { code: CheckCode.TURN_QUOTA, err: e };
    case 508:
      return { code: CheckCode.TURN_CAPACITY, err: e };
    case 701:
      // Chromium's own resolver failed for the server's name ("STUN host lookup received error.",
      // "TURN host lookup received error."): not the server's fault, nothing was sent.
      if (/host lookup/i.test(e.errorText)) return { code: CheckCode.BROWSER_DNS_FAILED, err: e };
      // Chromium says 701 both for "connection refused" and for a certificate it rejects;
      // check.ts refines TLS cases with the tls-handshake probe's evidence.
      return { code: s.uri.transport === 'tls' ? CheckCode.TLS_CERT_REJECTED : CheckCode.SERVER_UNREACHABLE, err: e };
    default:
      return { code: e.errorCode >= 300 && e.errorCode < 700 ? CheckCode.TURN_ERROR : CheckCode.SERVER_UNREACHABLE, err: e };
  }
}

/** Firefox's RTCPeerConnection throws this for a server on the Fetch standard's bad-port list (5060, 1719, 87…). */
const FIREFOX_BLOCKED_PORT = /uses a port that is blocked/i;

/**
 * Pure: one URL's browser observations → its check and its candidates. `engine` only changes
 * how an engine's own refusals read: Firefox's blocked-port error, and Firefox ignoring a turns:
 * URL whose host is an IP address (measured on 153: no connection attempt, no error event).
 */
export function judgeGather(s: ServerSpec, result: GatherResult | { error: string; durationMs: number }, timeoutMs: number, engine: Engine = 'chromium'): GatherVerdict {
  const id = gatherCheckId(s);
  const base = { id, kind: 'gather' as const, target: s.uri.canonical, transport: s.uri.transport };
  if ('error' in result) {
    return {
      check: makeCheck({ ...base, code: CheckCode.INTERNAL_ERROR, message: `The browser page failed: ${result.error}`, durationMs: result.durationMs, details: {} }),
      candidates: [],
    };
  }
  const url = s.uri.canonical;
  const candidates: Candidate[] = result.candidates.map((c) => toCandidate(c, url, id));
  const count = (t: string, family?: Candidate['family']) => candidates.filter((c) => c.type === t && (family === undefined || c.family === family)).length;
  const relays = candidates.filter((c) => c.type === 'relay');
  const details: Record<string, unknown> = {
    ended: result.ended,
    candidates: { host: count('host'), srflx: count('srflx'), prflx: count('prflx'), relay: count('relay') },
    // Of those, the IPv6 ones (host, srflx and relay addresses are reported per family).
    candidatesIpv6: { host: count('host', 'ipv6'), srflx: count('srflx', 'ipv6'), prflx: count('prflx', 'ipv6'), relay: count('relay', 'ipv6') },
    firstMs: result.firstMs,
    errors: result.errors,
    relayProtocols: [...new Set(relays.map((r) => r.relayProtocol))],
  };
  if (result.setupError) details.setupError = result.setupError;
  const check = (code: string, message: string): GatherVerdict => ({
    check: makeCheck({ ...base, code, message, durationMs: result.durationMs, details }),
    candidates,
  });

  if (result.setupError && FIREFOX_BLOCKED_PORT.test(result.setupError)) {
    details.port = s.uri.port;
    return check(CheckCode.PORT_BLOCKED_BY_BROWSER, `The browser refuses port ${s.uri.port} (on its list of blocked ports) and will not contact this server`);
  }
  if (result.setupError) return check(CheckCode.INTERNAL_ERROR, `The browser refused the URL: ${result.setupError}`);
  const wanted = s.uri.isTurn ? 'relay' : 'srflx';
  // For TURN, a relay candidate must come over the transport the URL asked for.
  const good = s.uri.isTurn ? relays.filter((r) => r.relayProtocol === null || r.relayProtocol === s.uri.transport) : candidates.filter((c) => c.type === 'srflx');
  if (good.length > 0) {
    return check(CheckCode.OK, `${wanted} candidate in ${result.firstMs[wanted] ?? '?'} ms`);
  }
  if (engine === 'firefox' && s.uri.transport === 'tls' && isIP(s.uri.host) !== 0 && result.errors.length === 0 && relays.length === 0) {
    details.ipLiteralTls = true;
    return check(CheckCode.UNSUPPORTED_BY_BROWSER, `Firefox ignores turns: URLs whose host is an IP address (it opens TURN over TLS only to a host name): no connection was tried`);
  }
  const fromErr = codeForErrors(result, s);
  if (fromErr) {
    return check(fromErr.code, `No ${wanted} candidate; the browser reported ${fromErr.err.errorCode} "${fromErr.err.errorText}"`);
  }
  if (result.ended === 'timeout') {
    return check(CheckCode.GATHER_TIMEOUT, `No ${wanted} candidate within ${timeoutMs} ms and no answer from the server`);
  }
  if (!s.uri.isTurn && count('host') > 0 && result.errors.length === 0) {
    // Completed, no error, no srflx: Chromium only completes once its STUN requests are answered
    // (an unreachable server keeps it gathering for ~40 s) and it drops a srflx candidate that
    // equals a host candidate. So the server answered with this machine's own address: no NAT.
    details.srflxSuppressed = true;
    return check(CheckCode.OK, 'The server answered with an address the browser already has as a host candidate (no NAT on this path)');
  }
  return check(s.uri.isTurn ? CheckCode.NO_RELAY_CANDIDATE : CheckCode.NO_SRFLX_CANDIDATE, `Gathering completed without a ${wanted} candidate`);
}

/** URLs whose browser view includes a srflx candidate (STUN over UDP): stun: and turn: over UDP. */
export function natEvidenceServers(servers: readonly ServerSpec[]): ServerSpec[] {
  const udp = servers.filter((s) => s.uri.transport === 'udp' && browserAllowsTurnPort(s.uri.port));
  const destinations = new Set(udp.map((s) => `${s.uri.host}|${s.uri.port}`));
  return destinations.size >= 2 ? udp : [];
}

/** The page's spec for the shared NAT-evidence gathering (`gather:all`); null without two UDP destinations. */
export function sharedGatherSpec(servers: readonly ServerSpec[], timeoutMs: number): GatherSpec | null {
  const shared = natEvidenceServers(servers);
  return shared.length > 0 ? { url: GATHER_ALL_ID, iceServers: shared.map(iceServer), timeoutMs } : null;
}

/**
 * Pure: one RTCPeerConnection with several servers. Chromium keeps one srflx candidate per
 * distinct mapping, so one host socket with different srflx ports for different servers is
 * address-dependent mapping (a "symmetric" NAT, RFC 4787 §4.1; read by core/nat.ts).
 */
export function judgeGatherAll(servers: readonly ServerSpec[], result: GatherResult | { error: string; durationMs: number }): GatherVerdict {
  const base = { id: GATHER_ALL_ID, kind: 'gather' as const, target: 'all servers', transport: 'udp' as const };
  if ('error' in result) {
    return { check: makeCheck({ ...base, code: CheckCode.INTERNAL_ERROR, message: `The browser page failed: ${result.error}`, durationMs: result.durationMs, details: {} }), candidates: [] };
  }
  // On the shared connection each candidate names the server that produced it.
  const candidates: Candidate[] = result.candidates.map((c) => toCandidate(c, c.url || 'all', GATHER_ALL_ID));
  const srflx = candidates.filter((c) => c.type === 'srflx');
  const { mappings, differing } = gatherAllMappings(candidates);
  const answered = candidates.some((c) => c.type === 'srflx' || c.type === 'relay');
  const mapping = differing.length > 0 ? 'address-dependent' : srflx.length > 0 ? 'not-address-dependent' : 'unknown';
  const details = { servers: servers.map((s) => s.uri.canonical), mapping, mappings, ended: result.ended };
  const mk = (code: string, message: string): GatherVerdict => ({
    check: makeCheck({ ...base, code, message, durationMs: result.durationMs, details }),
    candidates,
  });
  if (differing.length > 0) {
    return mk(CheckCode.ADDRESS_DEPENDENT_MAPPING, 'One socket got different public ports for different servers: this network\'s NAT maps per destination (symmetric NAT)');
  }
  if (!answered) return mk(CheckCode.NO_SERVER_ANSWERED, 'No server answered on the shared connection, so NAT mapping could not be observed');
  return mk(CheckCode.OK, srflx.length > 0 ? 'The same public address and port for every server: no address-dependent mapping seen' : 'Relay candidates only');
}
