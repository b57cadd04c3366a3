/**
 * The NAT vocabulary every layer shares, each reading written once:
 * - RFC 4787 behaviours (mapping §4.1, filtering §5) and which mappings make a "symmetric" NAT;
 * - the classic RFC 3489 label for a mapping/filtering pair, as people still say it;
 * - the browser's one-socket view, `gather:all` (one RTCPeerConnection with every UDP server):
 *   srflx candidates of one local socket (their base, relatedAddress:relatedPort) that got a
 *   different public address:port from different servers mean the NAT maps per destination.
 * The RFC 5780 probe (probes-node/nat-verdict.ts), the browser's judging (browser/gather.ts), the
 * diagnosis rules and the lab's expectations all read them here.
 */
import { GATHER_ALL_ID } from './ids.js';
import type { Candidate } from './schema.js';

/** RFC 4787 vocabulary (mapping §4.1, filtering §5). */
export type NatBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';

/** RFC 3489's names, as people still say them. */
export type ClassicNatLabel = 'no NAT' | 'open (no NAT, no filtering)' | 'firewalled (no NAT)' | 'full cone' | 'restricted cone' | 'port-restricted cone' | 'symmetric' | 'unknown';

/** Whether a mapping behaviour is a "symmetric" NAT's: a new mapping per destination (RFC 4787 §4.1). */
export function isSymmetricMapping(mapping: string): boolean {
  return mapping === 'address-dependent' || mapping === 'address-and-port-dependent';
}

/**
 * The classic label for an RFC 4787 pair (RFC 4787 §4.1/§5 vs RFC 3489 §5). `filtering` null:
 * not measured. `natPresent` false: the mapped address is the host's own.
 */
export function classicNatLabel(mapping: string, filtering: string | null, natPresent: boolean | null = true): ClassicNatLabel {
  const f = filtering ?? 'unknown';
  if (natPresent === false) {
    if (f === 'endpoint-independent') return 'open (no NAT, no filtering)';
    if (f === 'unknown') return 'no NAT';
    return 'firewalled (no NAT)';
  }
  if (isSymmetricMapping(mapping)) return 'symmetric';
  if (mapping !== 'endpoint-independent') return 'unknown';
  if (f === 'endpoint-independent') return 'full cone';
  if (f === 'address-dependent') return 'restricted cone';
  if (f === 'address-and-port-dependent') return 'port-restricted cone';
  return 'unknown';
}

/** One local socket of `gather:all`: its base and the public address:port each server mapped it to. */
export interface BaseMapping {
  /** relatedAddress:relatedPort */
  base: string;
  /** server URL → mapped address:port */
  byServer: Record<string, string>;
}

/**
 * Pure: the srflx candidates of `gather:all` grouped by local socket (candidates of other checks,
 * and srflx without a base or a mapped address, are left out), and the sockets whose public
 * address:port differs per server: a per-destination ("symmetric") mapping.
 */
export function gatherAllMappings(candidates: readonly Candidate[]): { mappings: BaseMapping[]; differing: BaseMapping[] } {
  const byBase = new Map<string, Map<string, string>>();
  for (const c of candidates) {
    if (c.checkId !== GATHER_ALL_ID || c.type !== 'srflx' || c.address === null || c.port === null) continue;
    if (c.relatedAddress === null || c.relatedAddress === undefined || c.relatedPort === null || c.relatedPort === undefined) continue;
    const base = `${c.relatedAddress}:${c.relatedPort}`;
    const m = byBase.get(base) ?? new Map<string, string>();
    m.set(c.url, `${c.address}:${c.port}`);
    byBase.set(base, m);
  }
  const mappings = [...byBase.entries()].map(([base, m]) => ({ base, byServer: Object.fromEntries(m) }));
  return { mappings, differing: mappings.filter((m) => new Set(Object.values(m.byServer)).size > 1) };
}
