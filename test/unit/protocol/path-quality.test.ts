/**
 * path-quality: a paced burst of STUN Bindings over a fake UDP channel on a FakeClock — counts,
 * loss estimates, RTT statistics, the bound, abort, and the check it becomes. No sockets, no sleeps.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/net/clock.js';
import { judgePathQuality, measurePathQuality, oneWayLoss, PATH_QUALITY_DEFAULTS, pathQualityBurstMs, rttSummary, type PathQualityResult } from '../../../src/probes-node/path-quality.js';
import { Method } from '../../../src/stun/header.js';
import { decodeMessage, encodeMessage } from '../../../src/stun/message.js';
import { parseIceUri } from '../../../src/core/uri.js';
import { FakeChannel } from './fakes.js';

/** A Binding success for the request's transaction, `delayMs` later on the clock. */
function answer(clock: FakeClock, ch: FakeChannel, req: Buffer, delayMs: number, opts: { cls?: 'success' | 'error'; txid?: Buffer } = {}) {
  const d = decodeMessage(req);
  if (!d.ok) throw new Error('bad request');
  const res = encodeMessage({ method: Method.Binding, cls: opts.cls ?? 'success', transactionId: opts.txid ?? d.message.transactionId });
  clock.setTimer(() => ch.emit({ kind: 'frame', data: res }), delayMs);
}

const uri = (() => {
  const r = parseIceUri('stun:198.18.0.1:3478');
  if (!r.ok) throw new Error('uri');
  return r.uri;
})();

async function run(clock: FakeClock, ch: FakeChannel, opts: Partial<Parameters<typeof measurePathQuality>[1]> = {}) {
  const p = measurePathQuality(ch, { timeoutMs: 5_000, clock, count: 100, spacingMs: 10, tailMs: 500, ...opts });
  await clock.advance(10_000);
  return p;
}

describe('measurePathQuality', () => {
  it('every request answered: no loss, paced sends, RTT statistics', async () => {
    const clock = new FakeClock();
    const sentAt: number[] = [];
    const ch = new FakeChannel(false, (req, n, c) => {
      sentAt.push(clock.now());
      answer(clock, c, req, n % 2 === 0 ? 4 : 2);
    });
    const r = await run(clock, ch);
    expect(r).toMatchObject({ sent: 100, received: 100, roundTripLossPercent: 0, oneWayLossPercent: 0, ignored: 0, aborted: false });
    expect(r.rttMs).toEqual({ min: 2, median: 3, max: 4, jitter: 2 });
    // One request per 10 ms, each its own transaction, no retransmission.
    expect(sentAt.slice(0, 3)).toEqual([0, 10, 20]);
    expect(new Set(ch.sent.map((b) => b.subarray(8, 20).toString('hex'))).size).toBe(100);
  });

  it('a busy event loop (every timer 4 ms late) does not stretch the burst: sends keep to the schedule', async () => {
    const clock = new FakeClock();
    const lateClock = { now: () => clock.now(), setTimer: (fn: () => void, ms: number) => clock.setTimer(fn, ms + 4) };
    const sentAt: number[] = [];
    const ch = new FakeChannel(false, (req, _n, c) => {
      sentAt.push(clock.now());
      answer(clock, c, req, 1);
    });
    const p = measurePathQuality(ch, { timeoutMs: 5_000, clock: lateClock, count: 100, spacingMs: 10, tailMs: 500 });
    await clock.advance(10_000);
    expect((await p).sent).toBe(100);
    // Relative pacing would put the last request at 99 × 14 = 1386 ms.
    expect(sentAt.at(-1)).toBeLessThanOrEqual(99 * 10 + 4);
  });

  it('every 10th request dropped: 10 % round trip, one-way 1 - sqrt(0.9)', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false, (req, n, c) => {
      if (n % 10 !== 0) answer(clock, c, req, 1);
    });
    const r = await run(clock, ch);
    expect(r.sent).toBe(100);
    expect(r.received).toBe(90);
    expect(r.roundTripLossPercent).toBe(10);
    expect(r.oneWayLossPercent).toBeCloseTo((1 - Math.sqrt(0.9)) * 100, 1);
  });

  it('answers after the tail count as lost; duplicates, errors and foreign transactions are ignored', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false, (req, n, c) => {
      if (n === 100) answer(clock, c, req, 2_000); // too late
      else answer(clock, c, req, 1);
      if (n === 1) answer(clock, c, req, 2); // duplicate
      if (n === 2) answer(clock, c, req, 1, { cls: 'error' });
      if (n === 3) answer(clock, c, req, 1, { txid: Buffer.alloc(12, 7) });
      if (n === 4) clock.setTimer(() => c.emit({ kind: 'frame', data: Buffer.from('garbage') }), 1);
    });
    const r = await run(clock, ch);
    expect(r.received).toBe(99);
    expect(r.ignored).toBe(4);
  });

  it('the burst is shortened to fit the timeout, tail included', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false);
    const p = measurePathQuality(ch, { timeoutMs: 1_000, clock, count: 500, spacingMs: 10, tailMs: 1_000 });
    await clock.advance(1_000);
    const r = await p;
    // tail capped at timeout/2 = 500 ms; (1000 - 500) / 10 + 1 requests.
    expect(r.sent).toBe(51);
    expect(r.received).toBe(0);
    expect(r.roundTripLossPercent).toBe(100);
    expect(clock.now()).toBeLessThanOrEqual(1_000);
  });

  it('pathQualityBurstMs is a bound a burst of that size goes out whole in', async () => {
    for (const count of [1, 200, 488, 5_000]) {
      const clock = new FakeClock();
      const ch = new FakeChannel(false, (req, _n, c) => answer(clock, c, req, 1));
      const p = measurePathQuality(ch, { timeoutMs: pathQualityBurstMs(count), clock, count });
      await clock.advance(pathQualityBurstMs(count));
      expect((await p).sent).toBe(count);
    }
    // One request less than asked when the bound is a spacing short.
    const clock = new FakeClock();
    const p = measurePathQuality(new FakeChannel(false), { timeoutMs: pathQualityBurstMs(488) - 500 - PATH_QUALITY_DEFAULTS.spacingMs, clock, count: 488 });
    await clock.advance(5_000);
    expect((await p).sent).toBe(487);
  });

  it('stops at once when aborted, and sends nothing more', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const ch = new FakeChannel(false, (req, _n, c) => answer(clock, c, req, 1));
    const p = measurePathQuality(ch, { timeoutMs: 5_000, clock, count: 100, spacingMs: 10, signal: ac.signal });
    await clock.advance(95);
    ac.abort();
    const r = await p;
    expect(r.aborted).toBe(true);
    expect(r.sent).toBe(10);
    await clock.advance(1_000);
    expect(ch.sent).toHaveLength(10);
  });
});

describe('pure helpers', () => {
  it('one-way loss from round trip', () => {
    expect(oneWayLoss(0)).toBe(0);
    expect(oneWayLoss(100)).toBe(100);
    expect(oneWayLoss(9.75)).toBeCloseTo(5, 9);
  });
  it('RTT summary: jitter in arrival order', () => {
    expect(rttSummary([])).toBeNull();
    expect(rttSummary([10, 20, 10, 20])).toEqual({ min: 10, median: 15, max: 20, jitter: 10 });
  });
});

describe('judgePathQuality', () => {
  const base: PathQualityResult = { sent: 200, received: 200, roundTripLossPercent: 0, oneWayLossPercent: 0, rttMs: { min: 1, median: 1, max: 1, jitter: 0 }, ignored: 0, aborted: false };
  it('pass below the threshold, warn PACKET_LOSS at or above, fail TIMEOUT without answers, ABORTED with the catalog status (fail, as in every probe)', () => {
    const c = judgePathQuality(uri, base, 1_200);
    expect(c).toMatchObject({ id: 'path-quality:stun:198.18.0.1:3478', kind: 'path-quality', transport: 'udp', status: 'pass', code: 'OK' });
    expect(c.details).toMatchObject({ sent: 200, received: 200, roundTripLossPercent: 0, oneWayLossPercent: 0 });
    expect(judgePathQuality(uri, { ...base, received: 181, roundTripLossPercent: 9.5, oneWayLossPercent: 4.87 }, 1).code).toBe('PACKET_LOSS');
    expect(judgePathQuality(uri, { ...base, received: 181, roundTripLossPercent: 9.5, oneWayLossPercent: 4.87 }, 1, 5).code).toBe('OK');
    expect(judgePathQuality(uri, { ...base, received: 0, roundTripLossPercent: 100, oneWayLossPercent: 100, rttMs: null }, 1)).toMatchObject({ status: 'fail', code: 'TIMEOUT' });
    expect(judgePathQuality(uri, { ...base, received: 0, aborted: true, rttMs: null }, 1)).toMatchObject({ status: 'fail', code: 'ABORTED' });
  });
});
