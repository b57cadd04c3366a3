/** RFC 8489 §6.2 transaction logic with a fake clock and a fake socket: no sleeping. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/net/clock.js';
import { retransmitSchedule, runTransaction, type TransactionResult } from '../../../src/net/transaction.js';
import { AttributeType, Method, addressAttribute, encodeMessage, newTransactionId } from '../../../src/stun/index.js';
import { FakeChannel } from './fakes.js';

const request = () => encodeMessage({ method: Method.Binding, cls: 'request' }, { fingerprint: true });
const answer = (req: Buffer, txId = req.subarray(8, 20)) =>
  encodeMessage({ method: Method.Binding, cls: 'success', transactionId: txId, attributes: [addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { family: 4, address: '198.18.0.9', port: 9 }, txId)] }, { fingerprint: true });

describe('retransmitSchedule (RFC 8489 §6.2.1)', () => {
  it('defaults: sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; gives up at 39500 ms', () => {
    expect(retransmitSchedule()).toEqual({ sendsAt: [0, 500, 1500, 3500, 7500, 15500, 31500], giveUpAt: 39_500 });
  });
  it('configurable RTO, Rc, Rm and an RTO cap', () => {
    expect(retransmitSchedule({ rtoMs: 100, rc: 4, rm: 2 })).toEqual({ sendsAt: [0, 100, 300, 700], giveUpAt: 900 });
    expect(retransmitSchedule({ rtoMs: 250, rc: 9, maxRtoMs: 8_000 }).sendsAt).toEqual([0, 250, 750, 1750, 3750, 7750, 15750, 23750, 31750]);
  });
});

describe('runTransaction over an unreliable channel', () => {
  it('follows the schedule exactly and times out at Rm·RTO after the last send', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const ch = new FakeChannel(false, () => times.push(clock.now()));
    const p = runTransaction(ch, request(), { timeoutMs: 60_000, clock });
    let result: TransactionResult | undefined;
    void p.then((r) => (result = r));
    await clock.advance(39_499);
    expect(result).toBeUndefined();
    expect(times).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    await clock.advance(1);
    expect(result).toMatchObject({ ok: false, code: 'TIMEOUT', sends: 7 });
    expect(clock.pending).toEqual([]); // no timer left behind
  });
  it('the overall bound cuts the schedule short', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false);
    const p = runTransaction(ch, request(), { timeoutMs: 2_000, clock });
    await clock.advance(2_000);
    expect(await p).toMatchObject({ ok: false, code: 'TIMEOUT', sends: 3, elapsedMs: 2_000 });
  });
  it('an answer to the third send ends it with the RTT from the first send', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false, (req, n, c) => {
      if (n === 3) clock.setTimer(() => c.emit({ kind: 'frame', data: answer(req) }), 20);
    });
    const p = runTransaction(ch, request(), { timeoutMs: 10_000, clock });
    await clock.advance(1_600);
    const r = await p;
    expect(r).toMatchObject({ ok: true, sends: 3, rttMs: 1_520 });
    expect(clock.pending).toEqual([]);
  });
  it('garbage, then a valid answer within the grace period → success', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false, (req, n, c) => {
      c.emit({ kind: 'frame', data: n === 1 ? Buffer.from('garbage that is not stun') : answer(req) });
    });
    const p = runTransaction(ch, request(), { timeoutMs: 10_000, clock });
    await clock.advance(500);
    expect(await p).toMatchObject({ ok: true, sends: 2 });
  });
  it.each([
    ['NOT_STUN', () => Buffer.from('\xff\xff garbage garbage garbage', 'latin1')],
    ['NO_MAGIC_COOKIE', (req: Buffer) => { const a = answer(req); a.writeUInt32BE(0x01020304, 4); return a; }],
    ['TRANSACTION_MISMATCH', (req: Buffer) => answer(req, newTransactionId())],
    ['MALFORMED_RESPONSE', (req: Buffer) => { const a = answer(req); a[a.length - 1] = a[a.length - 1]! ^ 0xff; return a; }],
  ] as const)('only invalid answers → %s after the grace period, not the full bound', async (code, make) => {
    const clock = new FakeClock();
    const ch = new FakeChannel(false, (req, _n, c) => c.emit({ kind: 'frame', data: make(req) }));
    const p = runTransaction(ch, request(), { timeoutMs: 30_000, clock });
    await clock.advance(1_000);
    const r = await p;
    expect(r).toMatchObject({ ok: false, code, sends: 2 });
    expect(r.evidence.invalid).toBeDefined();
  });
  it('a late answer to an earlier transaction is ignored', async () => {
    const clock = new FakeClock();
    const old = newTransactionId();
    const ch = new FakeChannel(false, (req, _n, c) => {
      c.emit({ kind: 'frame', data: answer(req, old) });
      c.emit({ kind: 'frame', data: answer(req) });
    });
    const r = await runTransaction(ch, request(), { timeoutMs: 1_000, clock, previousTransactionIds: new Set([old.toString('hex')]) });
    expect(r).toMatchObject({ ok: true, sends: 1 });
  });
  it('ICMP refusal fails at once; abort fails at once', async () => {
    const clock = new FakeClock();
    const refused = new FakeChannel(false, (_r, _n, c) => c.emit({ kind: 'error', code: 'CONNECTION_REFUSED', detail: 'ECONNREFUSED' }));
    expect(await runTransaction(refused, request(), { timeoutMs: 1_000, clock })).toMatchObject({ ok: false, code: 'CONNECTION_REFUSED' });
    const ac = new AbortController();
    const p = runTransaction(new FakeChannel(false), request(), { timeoutMs: 1_000, clock, signal: ac.signal });
    ac.abort();
    expect(await p).toMatchObject({ ok: false, code: 'ABORTED' });
  });
});

describe('runTransaction over a reliable channel', () => {
  it('sends once and waits until the bound', async () => {
    const clock = new FakeClock();
    const ch = new FakeChannel(true);
    const p = runTransaction(ch, request(), { timeoutMs: 5_000, clock });
    await clock.advance(5_000);
    expect(await p).toMatchObject({ ok: false, code: 'TIMEOUT', sends: 1 });
    expect(ch.sent).toHaveLength(1);
  });
  it('Ti = 39.5 s caps a longer bound', async () => {
    const clock = new FakeClock();
    const p = runTransaction(new FakeChannel(true), request(), { timeoutMs: 100_000, clock });
    await clock.advance(39_500);
    expect(await p).toMatchObject({ ok: false, code: 'TIMEOUT', elapsedMs: 39_500 });
  });
  it('the first bad frame fails at once; a close is CONNECTION_CLOSED', async () => {
    const clock = new FakeClock();
    const bad = new FakeChannel(true, (_r, _n, c) => c.emit({ kind: 'garbage', data: Buffer.from('HTTP/1.1'), problem: 'not stun' }));
    expect(await runTransaction(bad, request(), { timeoutMs: 5_000, clock })).toMatchObject({ ok: false, code: 'NOT_STUN' });
    const closing = new FakeChannel(true, (_r, _n, c) => c.emit({ kind: 'closed' }));
    expect(await runTransaction(closing, request(), { timeoutMs: 5_000, clock })).toMatchObject({ ok: false, code: 'CONNECTION_CLOSED' });
  });
});
