/**
 * Pure: a stored report → what the visitor's page says, in words a non-engineer understands.
 * Built from finding codes and call outcomes only (never from message text), so the page shows
 * exactly what the stored report means, and the same report always gives the same words.
 */
import { CheckCode } from '../../core/codes.js';
import { FindingCode } from '../../diagnosis/codes.js';
import type { Call, Check, Report } from '../../core/schema.js';
import { summarize } from '../../core/schema.js';
import { GATHER_ALL_ID } from '../../core/ids.js';

export type Tone = 'good' | 'warn' | 'bad';

/** Stable: which sentence was chosen. Tests and operators' tooling assert on this, not on words. */
export type VerdictKind =
  | 'INCOMPLETE'
  | 'SERVICE_LOGIN_REFUSED'
  | 'SERVICE_FULL'
  | 'SERVICE_CERTIFICATE'
  | 'NAME_LOOKUP_FAILED'
  | 'NO_CONNECTION'
  | 'UDP_BLOCKED_RELAY_WORKS'
  | 'SOME_PATHS_BLOCKED'
  | 'SERVER_CERTIFICATE_ONLY'
  | 'RELAY_ONLY'
  | 'SLOW'
  | 'PARTLY_FAILED'
  | 'MEDIA_PROBLEM'
  | 'READY';

export interface PlainVerdict {
  kind: VerdictKind;
  tone: Tone;
  /** Relay paths that carried a call, e.g. [{transport:'tls', port:443}]. */
  working: { transport: string; port: number | null }[];
  /** One sentence. */
  headline: string;
  /** A few short lines: what worked, measured speeds. */
  lines: string[];
  /** Finding codes (and a media problem's check code), for the operator the person talks to. */
  codes: string[];
  /** The camera/microphone check's outcome; null when the report has none. */
  media: { status: Check['status']; code: string } | null;
}

/** One line about the camera and microphone, by code. */
function mediaLine(c: Check): string {
  const d = c.details as { video?: { width?: unknown; height?: unknown; frameRate?: unknown } | null; errorName?: unknown };
  switch (c.code) {
    case CheckCode.MEDIA_OK: {
      const v = d.video;
      const size = v && typeof v.width === 'number' && typeof v.height === 'number' ? ` (camera picture ${v.width}×${v.height}${typeof v.frameRate === 'number' ? ` at ${Math.round(v.frameRate)} frames per second` : ''})` : '';
      return `Camera and microphone: work${size}.`;
    }
    case CheckCode.MEDIA_NOT_REQUESTED:
      return 'Camera and microphone: not tested (you did not ask for it).';
    case CheckCode.MEDIA_NOT_SECURE_CONTEXT:
      return 'Camera and microphone: could not be tested, because this page was not opened over a secure (https://) connection.';
    case CheckCode.MEDIA_UNSUPPORTED:
      return 'Camera and microphone: could not be tested, because this browser does not let web pages use them.';
    case CheckCode.MEDIA_PERMISSION_DENIED:
      return 'Camera and microphone: your browser did not let this page use them. Allow them for the call service in your browser\'s site settings (and in your computer\'s privacy settings), or others will not see or hear you.';
    case CheckCode.MEDIA_NO_ANSWER:
      return 'Camera and microphone: the browser\'s question about using them was not answered.';
    case CheckCode.NO_CAMERA:
      return 'Camera and microphone: no camera was found, so others will not see you.';
    case CheckCode.NO_MICROPHONE:
      return 'Camera and microphone: no microphone was found, so others will not hear you.';
    case CheckCode.NO_MEDIA_DEVICES:
      return 'Camera and microphone: neither a camera nor a microphone was found.';
    case CheckCode.MEDIA_DEVICE_BUSY:
      return 'Camera and microphone: they could not be started. Another program (another call, for example) may be using them: close it and try again.';
    default:
      return `Camera and microphone: could not be used (your browser said ${typeof d.errorName === 'string' ? d.errorName : 'no more'}).`;
  }
}

const TRANSPORT_WORD: Record<string, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

function mbps(bps: number | null | undefined): string | null {
  if (typeof bps !== 'number' || !Number.isFinite(bps)) return null;
  return bps >= 10e6 ? `${Math.round(bps / 1e6)} Mbit/s` : `${(bps / 1e6).toFixed(1)} Mbit/s`;
}

function portOf(report: Report, call: Call): number | null {
  const url = call.via[0];
  return report.servers.find((s) => s.url === url)?.port ?? null;
}

/** "TCP port 3478 and TLS port 443" */
function pathWords(report: Report, calls: readonly Call[]): string {
  const parts = calls.map((c) => {
    const port = portOf(report, c);
    return `${TRANSPORT_WORD[c.transport ?? ''] ?? 'the relay'}${port !== null ? ` port ${port}` : ''}`;
  });
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function downloadBps(call: Call): number | null {
  return call.download?.throughput?.bitsPerSecond ?? null;
}

export function plainVerdict(report: Report): PlainVerdict {
  const media = report.checks.find((c) => c.kind === 'media') ?? null;
  const mediaBad = media !== null && (media.status === 'fail' || media.status === 'warn');
  const network = networkVerdict(report);
  const lines = media ? [...network.lines, mediaLine(media)] : network.lines;
  const codes = mediaBad ? [...network.codes, media.code] : network.codes;
  const mediaOut = media ? { status: media.status, code: media.code } : null;
  if (network.kind === 'READY' && mediaBad) {
    return {
      ...network,
      kind: 'MEDIA_PROBLEM',
      tone: 'warn',
      headline: 'Your network is ready for video calls, but your camera or microphone is not: see below.',
      lines,
      codes,
      media: mediaOut,
    };
  }
  return { ...network, lines, codes, media: mediaOut };
}

/** The verdict on the network alone: media checks do not count here. */
function networkVerdict(report: Report): Omit<PlainVerdict, 'media'> {
  const codes = [...new Set(report.findings.filter((f) => f.severity !== 'info' || f.code === FindingCode.ALL_GOOD).map((f) => f.code))];
  const has = (...cs: string[]) => cs.some((c) => codes.includes(c));
  const calls = report.calls ?? [];
  const relayCalls = calls.filter((c) => c.policy === 'relay');
  const working = relayCalls.filter((c) => c.status === 'pass' || c.status === 'warn');
  // A skipped relay call means its URL gave no relay candidate: that path does not work either.
  const broken = relayCalls.filter((c) => c.status === 'fail' || c.status === 'skip');
  // TURN over TLS that failed because of the server's certificate is the server's problem, never the
  // visitor's network: a certificate finding, or serve's own embedded server, whose certificate is
  // self-signed by construction (serve knows it made it) and which the visitor's browser rejects.
  const certFindings = [FindingCode.TLS_CERT_EXPIRED, FindingCode.TLS_CERT_HOSTNAME_MISMATCH, FindingCode.TLS_CERT_INCOMPLETE_CHAIN, FindingCode.TLS_CERT_SELF_SIGNED, FindingCode.TLS_CERT_UNTRUSTED, FindingCode.TLS_CERT_REJECTED];
  const ownCert = report.environment.embeddedServer === true;
  const certRefused = has(...certFindings) || (ownCert && report.checks.some((c) => c.kind === 'gather' && c.transport === 'tls' && c.code === CheckCode.TLS_CERT_REJECTED));
  const certBroken = certRefused ? broken.filter((c) => c.transport === 'tls') : [];
  const networkBroken = broken.filter((c) => !certBroken.includes(c));
  const all = calls.find((c) => c.policy === 'all');
  const direct = all && all.status !== 'fail' && all.selectedPair && all.selectedPair.local.type !== 'relay' && all.selectedPair.remote.type !== 'relay';

  const lines: string[] = [];
  for (const c of relayCalls) {
    const port = portOf(report, c);
    const label = `Relay over ${TRANSPORT_WORD[c.transport ?? ''] ?? '?'}${port !== null ? ` (port ${port})` : ''}`;
    if (c.status === 'skip') lines.push(`${label}: not tested (no connection to the relay server).`);
    else if (c.status === 'fail') lines.push(`${label}: did not work.`);
    else {
      const up = mbps(c.throughput?.bitsPerSecond);
      const down = mbps(downloadBps(c));
      const speed = [up ? `${up} up` : null, down ? `${down} down` : null].filter(Boolean).join(', ');
      lines.push(`${label}: works${c.setup.totalMs !== null ? `, connected in ${Math.round(c.setup.totalMs)} ms` : ''}${speed ? `, ${speed}` : ''}.`);
    }
  }
  if (all) lines.push(all.status === 'fail' ? 'Normal call setup: did not work.' : direct ? 'Normal call setup: works, with a direct connection.' : 'Normal call setup: works, through the relay.');

  const paths = working.map((c) => ({ transport: c.transport ?? 'udp', port: portOf(report, c) }));
  const v = (kind: VerdictKind, tone: Tone, headline: string): Omit<PlainVerdict, 'media'> => ({ kind, tone, working: paths, headline, lines, codes });

  if (report.partial) return v('INCOMPLETE', 'bad', 'The test did not finish, so this result is incomplete. Please run it again.');
  if (has(FindingCode.TURN_AUTH_FAILED, FindingCode.TURN_CREDENTIAL_EXPIRED, FindingCode.TURN_REALM_MISMATCH, FindingCode.TURN_FORBIDDEN) && working.length === 0) {
    return v('SERVICE_LOGIN_REFUSED', 'bad', 'The call service refused the test\'s login to its relay server. This is a setup problem on the service\'s side, not your network: please send the result id to them.');
  }
  if (has(FindingCode.TURN_QUOTA, FindingCode.TURN_CAPACITY) && working.length === 0) {
    return v('SERVICE_FULL', 'bad', 'The call service\'s relay server is full right now. This is a problem on the service\'s side: please send the result id to them.');
  }
  if (working.length === 0 && (broken.length > 0 || relayCalls.length === 0) && all?.status !== 'pass' && all?.status !== 'warn') {
    if (has(FindingCode.TLS_CERT_EXPIRED, FindingCode.TLS_CERT_HOSTNAME_MISMATCH, FindingCode.TLS_CERT_INCOMPLETE_CHAIN, FindingCode.TLS_CERT_SELF_SIGNED, FindingCode.TLS_CERT_UNTRUSTED, FindingCode.TLS_CERT_REJECTED) && broken.every((c) => c.transport === 'tls')) {
      return v('SERVICE_CERTIFICATE', 'bad', 'Your browser rejected the call service\'s security certificate, so calls cannot connect. This is a problem on the service\'s side.');
    }
    // The browser never found the server's address: nothing was sent, the network's paths are untested.
    const gathers = report.checks.filter((c) => c.kind === 'gather' && c.id !== GATHER_ALL_ID && c.status === 'fail');
    if (gathers.length > 0 && gathers.every((c) => c.code === CheckCode.BROWSER_DNS_FAILED)) {
      return v('NAME_LOOKUP_FAILED', 'bad', 'Your browser could not look up the call service\'s server name, so calls cannot connect. Your network\'s name lookup (DNS) may be failing or filtering it: please send the result id to the call service.');
    }
    return v('NO_CONNECTION', 'bad', 'Video calls are likely to fail from this network: your browser could not connect to the call service at all. Your network (or a firewall) may be blocking it.');
  }
  if (working.length > 0 && (has(FindingCode.UDP_BLOCKED) || (networkBroken.some((c) => c.transport === 'udp') && !working.some((c) => c.transport === 'udp')))) {
    return v('UDP_BLOCKED_RELAY_WORKS', 'warn', `Your network blocks the connection type video calls prefer (UDP); calls will work through the relay over ${pathWords(report, working)}, perhaps with a little more delay.`);
  }
  if (working.length > 0 && networkBroken.length === 0 && certBroken.length > 0) {
    const whose = ownCert
      ? 'this test server\'s own self-signed security certificate, which browsers rightly refuse (the operator can give iceprobe serve a real certificate)'
      : 'the call service\'s security certificate, which your browser refused';
    return v(
      'SERVER_CERTIFICATE_ONLY',
      'warn',
      `Your network is fine for video calls: they work through the relay over ${pathWords(report, working)}. The relay over TLS did not work because of ${whose}, not because of your network.`,
    );
  }
  if (working.length > 0 && networkBroken.length > 0) {
    return v('SOME_PATHS_BLOCKED', 'warn', `Some connection types are blocked on your network; calls will work through the relay over ${pathWords(report, working)}.`);
  }
  if (has(FindingCode.RELAY_REQUIRED, FindingCode.SYMMETRIC_NAT) && working.length > 0) {
    return v('RELAY_ONLY', 'warn', `Direct connections are not possible from your network; calls will work through the call service's relay over ${pathWords(report, working)}.`);
  }
  if (has(FindingCode.LOW_THROUGHPUT, FindingCode.SLOW_SETUP)) {
    return v('SLOW', 'warn', 'Calls will connect, but your connection is slow: video may freeze or look blurry.');
  }
  if (summarize(report.checks.filter((c) => c.kind !== 'media')).status === 'fail') {
    return v('PARTLY_FAILED', 'warn', 'Calls should work from your network, but part of the test failed. Please send the result id to the call service.');
  }
  return v('READY', 'good', 'Your network is ready for video calls: every connection type we tested worked.');
}
