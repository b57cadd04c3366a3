/**
 * What one /probe answers: the probe's Report as blackbox_exporter-style gauges. Pure.
 *
 * Label values come only from bounded sets: check/finding codes (unknown ones become OTHER),
 * phase names, candidate types, TLS versions, and the relay's IP address (one per relay
 * interface of the server: no port, no username, no allocation). Nothing here can carry a secret:
 * every value is a number or one of those labels. A browser module's browser-measured samples
 * (phases, candidates, the call's throughput and RTT, failure codes) carry `browser` (chromium or
 * firefox), the engine the module runs in.
 */
import { isIP } from 'node:net';
import { deliveredBitsPerSecond } from '../../browser/calls.js';
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import type { Check, Report } from '../../core/schema.js';
import { FindingCode } from '../../diagnosis/codes.js';
import { gauge, type MetricFamily, type Sample } from './exposition.js';
import { ExporterCode } from './codes.js';
import { checkId, type EngineName } from '../../core/ids.js';

export const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...Object.values(CheckCode), ...Object.values(ProtocolCode), ...Object.values(FindingCode), ...Object.values(ExporterCode)]);
export const OTHER_CODE = 'OTHER';

/** A code as a label value: one of the stable codes, or OTHER (so a label can never grow unbounded). */
export function boundedCode(code: string): string {
  return KNOWN_CODES.has(code) ? code : OTHER_CODE;
}

export const PHASES = ['dns', 'connect', 'tls', 'binding', 'allocate', 'refresh', 'gather', 'call_setup'] as const;
export type PhaseName = (typeof PHASES)[number];

const TLS_VERSIONS = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

export interface ProbeOutcome {
  report: Report;
  success: boolean;
  failureCodes: readonly string[];
  durationS: number;
  /** The engine a browser module probed in (labels its browser-measured samples); null/absent for Node-side modules. */
  browser?: EngineName | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const s = (ms: number) => Math.round(ms * 1000) / 1e6;

function first(report: Report, kind: Check['kind']): Check | undefined {
  return report.checks.find((c) => c.kind === kind);
}

/** Per-phase durations in seconds, from the checks' own timings. */
export function phases(report: Report): Partial<Record<PhaseName, number>> {
  const out: Partial<Record<PhaseName, number>> = {};
  const dns = first(report, 'dns');
  if (dns) out.dns = s(dns.durationMs);
  const binding = first(report, 'stun-binding');
  const allocate = first(report, 'turn-allocate');
  const tls = first(report, 'tls-handshake');
  const connect = num(allocate?.details.connectMs) ?? num(binding?.details.connectMs) ?? num(tls?.details.tcpConnectMs);
  if (connect !== null) out.connect = s(connect);
  const handshake = num(tls?.details.handshakeMs);
  if (handshake !== null) out.tls = s(handshake);
  const rtt = num(binding?.details.rttMs);
  if (rtt !== null) out.binding = s(rtt);
  const steps = Array.isArray(allocate?.details.steps) ? (allocate.details.steps as { step?: unknown; rttMs?: unknown }[]) : [];
  const allocSteps = steps.filter((x) => x.step === 'allocate' || x.step === 'allocate-auth').map((x) => num(x.rttMs));
  // The Allocate phase is the unauthenticated request and its 401, then the authenticated one.
  if (allocSteps.length > 0 && allocSteps.every((x) => x !== null)) out.allocate = s(allocSteps.reduce<number>((a, b) => a + (b ?? 0), 0));
  const refresh = num(steps.find((x) => x.step === 'refresh')?.rttMs);
  if (refresh !== null) out.refresh = s(refresh);
  const gather = report.checks.find((c) => c.kind === 'gather' && c.id !== checkId.gatherAll());
  if (gather) {
    const firstMs = (gather.details.firstMs ?? {}) as Record<string, unknown>;
    const wanted = num(firstMs[gather.target.startsWith('turn') ? 'relay' : 'srflx']);
    if (wanted !== null) out.gather = s(wanted);
  }
  const call = relayCall(report);
  const setup = num(call?.setup.totalMs);
  if (setup !== null) out.call_setup = s(setup);
  return out;
}

function relayCall(report: Report) {
  return (report.calls ?? []).find((c) => c.policy === 'relay') ?? null;
}

function hostOf(transportAddress: string): string | null {
  const m = /^\[([^\]]+)\]:\d+$/.exec(transportAddress) ?? /^([^:]+):\d+$/.exec(transportAddress);
  const ip = m?.[1] ?? transportAddress;
  return isIP(ip) !== 0 ? ip : null;
}

/** The relay IPs the server handed out (TURN Allocate's XOR-RELAYED-ADDRESS, or the browser's relay candidates). */
export function relayIps(report: Report): string[] {
  const ips = new Set<string>();
  for (const c of report.checks) {
    if ((c.kind === 'turn-allocate' || c.kind === 'relay-reach') && typeof c.details.relayedAddress === 'string') {
      const ip = hostOf(c.details.relayedAddress);
      if (ip) ips.add(ip);
    }
  }
  for (const c of report.candidates) if (c.type === 'relay' && c.address !== null && isIP(c.address) !== 0) ips.add(c.address);
  return [...ips].sort();
}

/** The earliest notAfter in the certificate chains the TLS probe saw (unix seconds). */
export function earliestCertExpiry(report: Report): number | null {
  let min: number | null = null;
  for (const c of report.checks) {
    if (c.kind !== 'tls-handshake' || !Array.isArray(c.details.chain)) continue;
    for (const cert of c.details.chain as { validTo?: unknown }[]) {
      const t = typeof cert.validTo === 'string' ? Date.parse(cert.validTo) : NaN;
      if (Number.isFinite(t)) min = min === null ? t / 1000 : Math.min(min, t / 1000);
    }
  }
  return min;
}

export function probeFamilies(o: ProbeOutcome): MetricFamily[] {
  const r = o.report;
  const eng: Record<string, string> = o.browser ? { browser: o.browser } : {};
  const fams: MetricFamily[] = [
    gauge('probe_success', 'Whether the probe succeeded (1) or failed (0)', [{ value: o.success ? 1 : 0 }]),
    gauge('probe_duration_seconds', 'How long the probe took, in seconds', [{ value: Math.round(o.durationS * 1e6) / 1e6 }]),
  ];
  const ph = phases(r);
  if (ph.dns !== undefined) fams.push(gauge('probe_dns_lookup_time_seconds', 'How long the DNS lookup of the target took, in seconds', [{ value: ph.dns }]));
  fams.push(gauge('probe_phase_duration_seconds', 'Duration of each phase of the probe, in seconds (dns, connect, tls, binding, allocate incl. the 401 round trip, refresh, gather to the first wanted candidate, call_setup)', PHASES.filter((p) => ph[p] !== undefined).map((p) => ({ labels: { phase: p, ...eng }, value: ph[p] ?? 0 }))));

  const address = [first(r, 'turn-allocate'), first(r, 'stun-binding'), first(r, 'tls-handshake')].map((c) => c?.details.address).find((a) => typeof a === 'string');
  const family = typeof address === 'string' ? isIP(address) : 0;
  if (family !== 0) fams.push(gauge('probe_ip_protocol', 'The IP version the probe used (4 or 6)', [{ value: family }]));

  fams.push(gauge('probe_turn_relay_info', 'The relay IP address(es) the TURN server allocated on (value always 1)', relayIps(r).map((ip) => ({ labels: { relay_ip: ip }, value: 1 }))));
  const allocate = first(r, 'turn-allocate');
  const lifetime = num(allocate?.details.lifetimeS);
  if (lifetime !== null) fams.push(gauge('probe_turn_allocation_lifetime_seconds', 'The LIFETIME the TURN server granted the allocation', [{ value: lifetime }]));

  const reach = first(r, 'relay-reach');
  const directions = (['inbound', 'outbound'] as const).flatMap((direction) => {
    const d = reach?.details[direction] as { sent?: unknown; received?: unknown } | undefined;
    const sent = num(d?.sent);
    const received = num(d?.received);
    return sent !== null && received !== null && sent > 0 ? [{ labels: { direction }, value: Math.min(1, received / sent) }] : [];
  });
  fams.push(gauge('probe_relay_delivered_ratio', 'Share of test datagrams that crossed the relay: inbound (outside socket to the relayed address) and outbound (Send indications to the outside socket)', directions));

  const expiry = earliestCertExpiry(r);
  if (expiry !== null) fams.push(gauge('probe_ssl_earliest_cert_expiry', 'The earliest notAfter of the certificate chain the server presented (unix seconds)', [{ value: expiry }]));
  const tls = first(r, 'tls-handshake');
  if (typeof tls?.details.protocol === 'string') {
    fams.push(gauge('probe_tls_version_info', 'The TLS version negotiated (value always 1)', [{ labels: { version: TLS_VERSIONS.has(tls.details.protocol) ? tls.details.protocol : 'other' }, value: 1 }]));
  }

  const gather = r.checks.find((c) => c.kind === 'gather' && c.id !== checkId.gatherAll());
  const counts = gather?.details.candidates as Record<string, unknown> | undefined;
  if (counts) {
    fams.push(gauge('probe_gather_candidates', 'ICE candidates the browser gathered for the URL, by type', ['host', 'srflx', 'prflx', 'relay'].map((t) => ({ labels: { type: t, ...eng }, value: num(counts[t]) ?? 0 }))));
  }

  const call = relayCall(r);
  const bps = deliveredBitsPerSecond(call?.throughput);
  if (call && call.status !== 'skip' && bps !== null) fams.push(gauge('probe_call_throughput_bits_per_second', 'Data delivered through the relay-forced call, in bits per second', [{ labels: eng, value: bps }]));
  if (call?.rttMs) fams.push(gauge('probe_call_rtt_seconds', 'Median round-trip time of the relay-forced call (ICE candidate pair), in seconds', [{ labels: eng, value: s(call.rttMs.median) }]));

  const failures: Sample[] = [...new Set(o.failureCodes.map(boundedCode))].map((code) => ({ labels: { code, ...eng }, value: 1 }));
  fams.push(gauge('probe_failure_info', 'Why the probe failed: one series per failing check code (value always 1); absent on success', failures));
  return fams;
}
