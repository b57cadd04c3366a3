/**
 * SYMMETRIC_NAT: this network's NAT maps one local socket to a different public port (or address)
 * for each destination: "address-dependent" or "address-and-port-dependent" mapping (RFC 4787
 * §4.1), the classic "symmetric NAT". A peer learns a srflx address that only works toward the
 * STUN server, so two such peers (or one and a port-restricted peer) cannot connect directly.
 * Evidence:
 *   - `gather:all`: one RTCPeerConnection with every UDP server; srflx candidates with the same
 *     base (relatedAddress:relatedPort) but different mapped address:port for different servers;
 *   - a `nat` check (RFC 5780 behaviour discovery) whose details.mapping says so.
 */
import { CheckCode } from '../../codes.js';
import type { Candidate, Check } from '../../report/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, GATHER_ALL, ids, type DiagnosisInput, type Rule } from '../evidence.js';

export interface MappingEvidence {
  /** host base → destination URL → mapped address:port */
  differing: { base: string; byServer: Record<string, string> }[];
}

/** Pure: srflx candidates of `gather:all` grouped by base; the groups whose mapping differs per destination. */
export function mappingEvidence(candidates: readonly Candidate[]): MappingEvidence {
  const byBase = new Map<string, Map<string, string>>();
  for (const c of candidates) {
    if (c.checkId !== GATHER_ALL || c.type !== 'srflx' || c.address === null || c.port === null) continue;
    if (c.relatedAddress === null || c.relatedAddress === undefined || c.relatedPort === null || c.relatedPort === undefined) continue;
    const base = `${c.relatedAddress}:${c.relatedPort}`;
    const m = byBase.get(base) ?? new Map<string, string>();
    m.set(c.url, `${c.address}:${c.port}`);
    byBase.set(base, m);
  }
  const differing = [...byBase.entries()]
    .filter(([, m]) => new Set(m.values()).size > 1)
    .map(([base, m]) => ({ base, byServer: Object.fromEntries(m) }));
  return { differing };
}

const SYMMETRIC_MAPPINGS = new Set(['address-dependent', 'address-and-port-dependent']);

/** Classic RFC 3489 label for an RFC 4787 mapping/filtering pair. */
export function classicNatLabel(mapping: string, filtering: string | null): string {
  if (SYMMETRIC_MAPPINGS.has(mapping)) return 'symmetric NAT';
  if (mapping !== 'endpoint-independent') return 'unknown NAT';
  if (filtering === 'endpoint-independent') return 'full-cone NAT';
  if (filtering === 'address-dependent') return 'restricted-cone NAT';
  if (filtering === 'address-and-port-dependent') return 'port-restricted-cone NAT';
  return 'cone NAT';
}

function natCheckMapping(c: Check): string | null {
  const m = c.details.mapping ?? c.details.mappingBehavior;
  return typeof m === 'string' ? m : null;
}

/** The checks that show a symmetric NAT, or [] when nothing does. Shared with relay-required. */
export function symmetricNatEvidence(input: DiagnosisInput): { checks: Check[]; differing: MappingEvidence['differing']; labels: string[] } {
  const ev = evidenceOf(input);
  const checks: Check[] = [];
  const labels: string[] = [];
  const all = ev.check(GATHER_ALL);
  const { differing } = mappingEvidence(input.candidates);
  if (all && (differing.length > 0 || all.code === CheckCode.ADDRESS_DEPENDENT_MAPPING)) checks.push(all);
  for (const c of ev.ofKind('nat')) {
    const m = natCheckMapping(c);
    if (m !== null && SYMMETRIC_MAPPINGS.has(m)) {
      checks.push(c);
      const f = c.details.filtering ?? c.details.filteringBehavior;
      labels.push(`${m} mapping`, classicNatLabel(m, typeof f === 'string' ? f : null));
    }
  }
  return { checks, differing, labels };
}

export const symmetricNat: Rule = (input) => {
  const { checks, differing } = symmetricNatEvidence(input);
  if (checks.length === 0) return [];
  const example = differing[0];
  const shown = example ? Object.values(example.byServer).slice(0, 3).join(' and ') : null;
  return [
    finding(
      FindingCode.SYMMETRIC_NAT,
      'warn',
      `This network's NAT maps one socket to a different public port for each destination${shown ? ` (${shown} from the same local port)` : ''}: a "symmetric NAT" (address-dependent mapping), so peers here cannot be reached directly and calls to other NATed peers need a relay.`,
      'Make sure a working TURN server (with TCP/TLS on 443 as fallback) is always in the ICE configuration for clients on this network, and size it for their calls; if you run this network, switch the NAT to endpoint-independent mapping (e.g. no --random-fully, or a "full cone"/EIM setting).',
      ids(...checks),
    ),
  ];
};
