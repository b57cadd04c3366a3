/**
 * Path quality over UDP: a paced burst of STUN Binding requests (RFC 8489 §6; no
 * retransmission, each request its own transaction) to one server, counting the answers.
 *
 *   round-trip loss  rt = 1 - received / sent
 *   one-way loss     1 - sqrt(1 - rt)   (assumes both directions lose alike)
 *   RTT              min / median / max, and jitter as the mean absolute difference of
 *                    consecutive RTTs (RFC 3550 §6.4.1 without the smoothing)
 *
 * A WebRTC data channel is reliable (SCTP retransmits), so calls cannot show loss; this probe
 * can. Clock and channel are injected: the unit tests drive it with FakeClock and a fake channel.
 * Check id `path-quality:<canonical url>`, kind `path-quality`.
 */
import type { StunChannel } from '../net/channel.js';
import type { Clock } from '../net/clock.js';
import type { Check } from '../core/schema.js';
import { Method, newTransactionId } from '../stun/header.js';
import { decodeMessage, encodeMessage } from '../stun/message.js';
import { median } from '../core/stats.js';
import type { IceUri } from '../core/uri.js';
import { makeCheck, round } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import { openChannel } from './connect.js';
import { checkId } from '../core/ids.js';
import { PATH_QUALITY_DEFAULTS } from '../core/defaults.js';

/** The codes a path-quality check can have (strings, status and advice live in src/core/codes.ts). */
export const PathQualityCode = {
  OK: ProtocolCode.OK,
  /** One-way loss at or above the threshold (warn). */
  PACKET_LOSS: ProtocolCode.PACKET_LOSS,
  /** Not a single answer: nothing to measure (UDP blocked or server down; other checks say which). */
  TIMEOUT: ProtocolCode.TIMEOUT,
} as const;

export { PATH_QUALITY_DEFAULTS };

/** The bound a burst of `count` requests needs to go out whole, with its tail (and 500 ms to open the socket). */
export function pathQualityBurstMs(count: number, spacingMs: number = PATH_QUALITY_DEFAULTS.spacingMs): number {
  return Math.max(0, count - 1) * Math.max(1, spacingMs) + PATH_QUALITY_DEFAULTS.tailMs + 500;
}

export interface PathQualityOptions {
  count?: number;
  spacingMs?: number;
  tailMs?: number;
  lossThresholdPercent?: number;
  /** Hard bound for the whole burst + tail; the burst is shortened to fit. */
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
}

export interface PathQualityResult {
  sent: number;
  received: number;
  roundTripLossPercent: number;
  oneWayLossPercent: number;
  rttMs: { min: number; median: number; max: number; jitter: number } | null;
  /** Answers that were not a Binding success for one of our transactions. */
  ignored: number;
  aborted: boolean;
}

/** Pure: 1 - sqrt(1 - rt), both in percent; symmetric loss assumed. */
export function oneWayLoss(roundTripLossPercent: number): number {
  const rt = Math.min(1, Math.max(0, roundTripLossPercent / 100));
  return (1 - Math.sqrt(1 - rt)) * 100;
}

/** Pure: RTT summary, in arrival order for the jitter. */
export function rttSummary(rtts: readonly number[]): PathQualityResult['rttMs'] {
  if (rtts.length === 0) return null;
  const s = [...rtts].sort((a, b) => a - b);
  let jitter = 0;
  for (let i = 1; i < rtts.length; i++) jitter += Math.abs((rtts[i] ?? 0) - (rtts[i - 1] ?? 0));
  jitter = rtts.length > 1 ? jitter / (rtts.length - 1) : 0;
  return { min: round(s[0] ?? 0), median: round(median(s)), max: round(s.at(-1) ?? 0), jitter: round(jitter) };
}

/** Sends the paced burst on an open (UDP) channel and counts answers. Never throws for network outcomes. */
export function measurePathQuality(channel: StunChannel, o: PathQualityOptions): Promise<PathQualityResult> {
  const spacing = Math.max(1, o.spacingMs ?? PATH_QUALITY_DEFAULTS.spacingMs);
  const tail = Math.max(0, Math.min(o.tailMs ?? PATH_QUALITY_DEFAULTS.tailMs, o.timeoutMs / 2));
  // The burst fits in the timeout together with its tail.
  const count = Math.max(1, Math.min(o.count ?? PATH_QUALITY_DEFAULTS.count, Math.floor((o.timeoutMs - tail) / spacing) + 1));
  const sentAt = new Map<string, number>();
  const answered = new Set<string>();
  const rtts: number[] = [];
  let ignored = 0;
  let sent = 0;

  return new Promise((resolve) => {
    const timers: (() => void)[] = [];
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      for (const cancel of timers) cancel();
      unsubscribe();
      o.signal?.removeEventListener('abort', onAbort);
      const received = answered.size;
      const rt = sent > 0 ? (100 * (sent - received)) / sent : 0;
      resolve({ sent, received, roundTripLossPercent: round(rt), oneWayLossPercent: round(oneWayLoss(rt)), rttMs: rttSummary(rtts), ignored, aborted });
    };
    const onAbort = () => finish(true);
    const unsubscribe = channel.subscribe((e) => {
      if (e.kind !== 'frame') return;
      const d = decodeMessage(e.data);
      const id = d.ok ? Buffer.from(d.message.transactionId).toString('hex') : null;
      const at = id === null ? undefined : sentAt.get(id);
      if (!d.ok || id === null || at === undefined || answered.has(id) || d.message.method !== Method.Binding || d.message.cls !== 'success') {
        ignored++;
        return;
      }
      answered.add(id);
      rtts.push(o.clock.now() - at);
      if (answered.size === count) finish(false);
    });
    if (o.signal?.aborted) return finish(true);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const sendOne = () => {
      if (done) return;
      const tid = newTransactionId();
      sentAt.set(tid.toString('hex'), o.clock.now());
      sent++;
      channel.send(encodeMessage({ method: Method.Binding, cls: 'request', transactionId: tid, attributes: [] }, { fingerprint: true }));
      // Paced against the burst's own schedule (request i at i × spacing), not "spacing after the
      // last timer fired": on a busy event loop the timers fire late, and relative pacing would
      // stretch a 1 s burst to 2 s. A late request goes out at once.
      if (sent < count) timers.push(o.clock.setTimer(sendOne, Math.max(0, burstStart + sent * spacing - o.clock.now())));
      else timers.push(o.clock.setTimer(() => finish(false), tail));
    };
    const burstStart = o.clock.now();
    sendOne();
  });
}

export interface PathQualityProbeContext {
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  count?: number;
  spacingMs?: number;
  lossThresholdPercent?: number;
}

export function pathQualityCheckId(uri: IceUri): string {
  return checkId.pathQuality(uri.canonical);
}

/** Pure: a measurement → its check. */
export function judgePathQuality(uri: IceUri, r: PathQualityResult, durationMs: number, thresholdPercent: number = PATH_QUALITY_DEFAULTS.lossThresholdPercent): Check {
  const base = { id: pathQualityCheckId(uri), kind: 'path-quality' as const, target: uri.canonical, transport: uri.transport, durationMs };
  const details = { sent: r.sent, received: r.received, roundTripLossPercent: r.roundTripLossPercent, oneWayLossPercent: r.oneWayLossPercent, rttMs: r.rttMs, thresholdPercent };
  if (r.aborted && r.received === 0) {
    return makeCheck({ ...base, code: ProtocolCode.ABORTED, message: 'interrupted before any answer', details });
  }
  if (r.received === 0) {
    return makeCheck({ ...base, code: PathQualityCode.TIMEOUT, message: `no answer to any of ${r.sent} Binding requests over UDP`, details });
  }
  const summary = `${r.received}/${r.sent} answered: ${r.roundTripLossPercent}% round-trip loss (≈${r.oneWayLossPercent}% each way), median RTT ${r.rttMs?.median ?? '?'} ms`;
  return makeCheck({ ...base, code: r.oneWayLossPercent >= thresholdPercent ? PathQualityCode.PACKET_LOSS : PathQualityCode.OK, message: summary, details });
}

/** Opens UDP to the resolved address and runs the burst; stun: (UDP) URLs only. */
export async function probePathQuality(uri: IceUri, address: string, ctx: PathQualityProbeContext): Promise<Check> {
  const start = ctx.clock.now();
  const opened = await openChannel({ transport: 'udp', address, port: uri.port, host: uri.host }, { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (!opened.ok) {
    return makeCheck({
      id: pathQualityCheckId(uri),
      kind: 'path-quality',
      target: uri.canonical,
      transport: 'udp',
      code: opened.code,
      message: `could not open UDP to ${address}:${uri.port}: ${opened.detail}`,
      durationMs: ctx.clock.now() - start,
      details: { error: opened.detail },
    });
  }
  const { channel } = opened.value;
  try {
    const r = await measurePathQuality(channel, {
      timeoutMs: ctx.timeoutMs,
      clock: ctx.clock,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.count !== undefined ? { count: ctx.count } : {}),
      ...(ctx.spacingMs !== undefined ? { spacingMs: ctx.spacingMs } : {}),
    });
    return judgePathQuality(uri, r, ctx.clock.now() - start, ctx.lossThresholdPercent);
  } finally {
    channel.close();
  }
}
