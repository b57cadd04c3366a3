/**
 * Dual-stack hosts: a name with A and AAAA records is probed on both families. The probe of its
 * IPv6 address is a twin of the ordinary (first-address) probe, with the same id plus `@ipv6`,
 * so reports and the diagnosis can pair them. Pure.
 */

/** The id of a probe's twin on the host's IPv6 address. */
export function dualStackId(id: string): string {
  return `${id}@ipv6`;
}

/** The probe id a twin repeats; null for an ordinary id. */
export function parseDualStackId(id: string): { primary: string; family: 6 } | null {
  const m = /^(.+)@ipv6$/.exec(id);
  return m?.[1] ? { primary: m[1], family: 6 } : null;
}

/**
 * The one-sided call's check id prefix, `call:relay-one-side/<transport>` (src/browser/calls.ts):
 * the caller relay-forced, the callee without TURN.
 */
export const ONE_SIDED_CALL_PREFIX = 'call:relay-one-side/';

/** The relay reachability probe's check id (src/probes-node/relay-reach.ts). */
export const relayReachCheckId = (canonical: string): string => `relay-reach:${canonical}`;

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
