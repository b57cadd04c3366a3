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
import { CheckCode } from '../../core/codes.js';
import { classicNatLabel, gatherAllMappings, isSymmetricMapping, type BaseMapping } from '../../core/nat.js';
import type { Candidate, Check } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, GATHER_ALL, ids, list, type DiagnosisInput, type Rule } from '../evidence.js';

/** The sockets of `gather:all` whose public address:port differs per server (core/nat.ts reads them). */
export interface MappingEvidence {
  differing: BaseMapping[];
}

/** Pure: the per-destination mappings `gather:all` shows, if any. */
export function mappingEvidence(candidates: readonly Candidate[]): MappingEvidence {
  return { differing: gatherAllMappings(candidates).differing };
}

function natCheckMapping(c: Check): string | null {
  const m = c.details.mapping ?? c.details.mappingBehavior;
  return typeof m === 'string' ? m : null;
}

function natCheckFiltering(c: Check): string | null {
  const f = c.details.filtering ?? c.details.filteringBehavior;
  return typeof f === 'string' && f !== 'unknown' ? f : null;
}

/** The checks that show a symmetric NAT, or [] when nothing does. Shared with relay-required. */
export function symmetricNatEvidence(input: DiagnosisInput): { checks: Check[]; differing: BaseMapping[] } {
  const ev = evidenceOf(input);
  const checks: Check[] = [];
  const all = ev.check(GATHER_ALL);
  const { differing } = mappingEvidence(input.candidates);
  if (all && (differing.length > 0 || all.code === CheckCode.ADDRESS_DEPENDENT_MAPPING)) checks.push(all);
  for (const c of ev.ofKind('nat')) {
    const m = natCheckMapping(c);
    if (m !== null && isSymmetricMapping(m)) checks.push(c);
  }
  return { checks, differing };
}

/** host of a canonical stun:/turn: URL (IPv6 brackets kept) and its port. */
function hostPort(url: string): { host: string; port: string } | null {
  const m = /^[a-z]+:(\[[^\]]+\]|[^:?]+):(\d+)/.exec(url);
  return m ? { host: m[1] ?? '', port: m[2] ?? '' } : null;
}

/**
 * Pure: what the browser's one-socket view says about mapping. Different mapped addresses for
 * servers on different IPs prove at least address-dependent mapping; for two URLs on the SAME IP
 * with different ports, it proves address-and-port-dependent mapping.
 */
export function browserMapping(differing: readonly BaseMapping[]): 'address-dependent' | 'address-and-port-dependent' | null {
  if (differing.length === 0) return null;
  for (const d of differing) {
    const entries = Object.entries(d.byServer).map(([url, mapped]) => ({ at: hostPort(url), mapped }));
    for (const x of entries) for (const y of entries) if (x.at && y.at && x.at.host === y.at.host && x.at.port !== y.at.port && x.mapped !== y.mapped) return 'address-and-port-dependent';
  }
  return 'address-dependent';
}

export interface NatView {
  /** Where each view came from and what it saw (RFC 4787 terms). */
  views: { checkId: string; source: 'rfc5780' | 'browser'; mapping: string; filtering: string | null }[];
  /** The most precise mapping: RFC 5780's when it decided, else the browser's lower bound. */
  mapping: string;
  filtering: string | null;
  /** Classic RFC 3489 label for the pair, e.g. "symmetric" (core/nat.ts). */
  classicLabel: string;
  /** Whether the views disagree on "symmetric or not". */
  disagree: boolean;
}

/** Pure: both views of the NAT combined (null when neither says anything). */
export function natView(input: DiagnosisInput): NatView | null {
  const ev = evidenceOf(input);
  const views: NatView['views'] = [];
  for (const c of ev.ofKind('nat')) {
    const m = natCheckMapping(c);
    if (m !== null && m !== 'unknown') views.push({ checkId: c.id, source: 'rfc5780', mapping: m, filtering: natCheckFiltering(c) });
  }
  const all = ev.check(GATHER_ALL);
  const { differing } = mappingEvidence(input.candidates);
  const fromBrowser = browserMapping(differing) ?? (all?.code === CheckCode.ADDRESS_DEPENDENT_MAPPING ? 'address-dependent' : null);
  if (all && fromBrowser) views.push({ checkId: all.id, source: 'browser', mapping: fromBrowser, filtering: null });
  else if (all && all.details.mapping === 'not-address-dependent') views.push({ checkId: all.id, source: 'browser', mapping: 'endpoint-independent', filtering: null });
  if (views.length === 0) return null;
  const rfc = views.find((v) => v.source === 'rfc5780' && isSymmetricMapping(v.mapping)) ?? views.find((v) => v.source === 'rfc5780');
  const browser = views.find((v) => v.source === 'browser');
  const symmetricSaid = views.filter((v) => isSymmetricMapping(v.mapping));
  // A per-destination mapping seen by either view wins (a one-socket observation cannot be faked).
  const chosen = symmetricSaid.find((v) => v.source === 'rfc5780') ?? symmetricSaid[0] ?? rfc ?? browser;
  const mapping = chosen?.mapping ?? 'unknown';
  const filtering = rfc?.filtering ?? null;
  return {
    views,
    mapping,
    filtering,
    classicLabel: classicNatLabel(mapping, filtering),
    disagree: symmetricSaid.length > 0 && symmetricSaid.length < views.length,
  };
}

const terms = (m: string) => m.replace(/-/g, ' ');

export const symmetricNat: Rule = (input) => {
  const { checks, differing } = symmetricNatEvidence(input);
  if (checks.length === 0) return [];
  const view = natView(input);
  const example = differing[0];
  const shown = example ? Object.values(example.byServer).slice(0, 3).join(' and ') : null;
  const mapping = view?.mapping ?? 'address-dependent';
  const rfc4787 = `RFC 4787: ${terms(mapping)} mapping${view?.filtering ? `, ${terms(view.filtering)} filtering` : ''}`;
  const seenBy = [
    ...(view?.views.some((v) => v.source === 'rfc5780' && isSymmetricMapping(v.mapping)) ? ['the RFC 5780 NAT probe'] : []),
    ...(checks.some((c) => c.id === GATHER_ALL) ? [`the browser${shown ? ` (one socket got ${shown} from different servers)` : ''}`] : []),
  ];
  const disagreement = view?.disagree ? ' (the other view did not see it; NATs can behave differently per destination)' : '';
  return [
    finding(
      FindingCode.SYMMETRIC_NAT,
      'warn',
      `This network is behind a symmetric NAT (${rfc4787}): it maps one socket to a different public port for each destination, as seen by ${list(seenBy)}${disagreement}. Peers behind this NAT need a relay when the other side is also symmetric (or port-restricted), so calls between such networks depend on TURN.`,
      'Make sure a working TURN server (with TCP/TLS on 443 as fallback) is always in the ICE configuration for clients on this network, and size it for their calls; if you run this network, switch the NAT to endpoint-independent mapping (e.g. no --random-fully, or a "full cone"/EIM setting).',
      ids(...checks),
    ),
  ];
};
