/**
 * One STUN client transaction over a channel (RFC 8489 §6.2, §6.3.3).
 *
 * Unreliable transports (§6.2.1): send, retransmit after RTO, 2·RTO, 4·RTO … (RTO doubling,
 * optionally capped), Rc sends in all, then wait Rm·RTO; with the defaults (RTO 500 ms,
 * Rc 7, Rm 16) sends go at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s and the transaction fails at
 * 39.5 s. Reliable transports (§6.2.2): one send, Ti = 39.5 s. Either way `timeoutMs` bounds
 * the whole transaction.
 *
 * A datagram that is not a valid answer (garbage, no magic cookie, unknown transaction id) is
 * remembered; if no valid answer follows within `invalidGraceMs`, the transaction fails with
 * that finding instead of waiting out the bound. On a stream the first bad frame ends it.
 * Never throws for network outcomes.
 */
import { decodeMessage, type DecodeErrorKind, type StunMessage } from '../stun/message.js';
import { HEADER_LENGTH } from '../stun/header.js';
import type { ChannelEvent, NetErrorCode, StunChannel } from './channel.js';
import { systemClock, type Clock } from './clock.js';

/** RFC 8489 §6.2.1 defaults. */
export const DEFAULT_RTO_MS = 500;
export const DEFAULT_RC = 7;
export const DEFAULT_RM = 16;
/** RFC 8489 §6.2.2: reliable-transport transaction timeout Ti. */
export const DEFAULT_TI_MS = 39_500;

export interface TransactionOptions {
  /** Overall bound for this transaction. */
  timeoutMs: number;
  rtoMs?: number;
  rc?: number;
  rm?: number;
  /** Cap on the doubled RTO (Chromium uses 8000). Default: none, as in RFC 8489. */
  maxRtoMs?: number;
  /** How long to keep waiting for a valid answer after an invalid datagram (a retransmission's worth). Default: 2·rtoMs. */
  invalidGraceMs?: number;
  /** Transaction ids (hex) of earlier transactions on this channel: late answers are ignored. */
  previousTransactionIds?: ReadonlySet<string>;
  clock?: Clock;
  signal?: AbortSignal;
}

export type TransactionFailureCode =
  | 'TIMEOUT'
  | 'NOT_STUN'
  | 'NO_MAGIC_COOKIE'
  | 'MALFORMED_RESPONSE'
  | 'TRANSACTION_MISMATCH'
  | 'CONNECTION_CLOSED'
  | 'ABORTED'
  | NetErrorCode;

export interface TransactionEvidence {
  /** Send times relative to the first send, ms. */
  sendTimesMs: number[];
  /** What an invalid answer looked like (first bytes, hex) and why it was rejected. */
  invalid?: { problem: string; firstBytesHex: string; length: number };
}

export type TransactionResult =
  | { ok: true; response: StunMessage; rttMs: number; sends: number; evidence: TransactionEvidence }
  | { ok: false; code: TransactionFailureCode; detail: string; elapsedMs: number; sends: number; evidence: TransactionEvidence };

/** The send schedule of §6.2.1 as offsets from the first send, plus the final deadline. */
export function retransmitSchedule(o: { rtoMs?: number; rc?: number; rm?: number; maxRtoMs?: number } = {}): { sendsAt: number[]; giveUpAt: number } {
  const rto = o.rtoMs ?? DEFAULT_RTO_MS;
  const rc = Math.max(1, o.rc ?? DEFAULT_RC);
  const sendsAt: number[] = [0];
  let interval = rto;
  for (let i = 1; i < rc; i++) {
    sendsAt.push(sendsAt[i - 1]! + interval);
    interval = Math.min(interval * 2, o.maxRtoMs ?? Infinity);
  }
  return { sendsAt, giveUpAt: sendsAt[rc - 1]! + (o.rm ?? DEFAULT_RM) * rto };
}

function classifyDecode(kind: DecodeErrorKind): TransactionFailureCode {
  if (kind === 'NOT_STUN' || kind === 'TOO_SHORT') return 'NOT_STUN';
  if (kind === 'BAD_MAGIC_COOKIE') return 'NO_MAGIC_COOKIE';
  return 'MALFORMED_RESPONSE';
}

export function runTransaction(channel: StunChannel, request: Buffer, opts: TransactionOptions): Promise<TransactionResult> {
  const clock = opts.clock ?? systemClock;
  const txId = request.subarray(8, HEADER_LENGTH);
  const requestMethod = decodeMessage(request);
  const method = requestMethod.ok ? requestMethod.message.method : -1;
  const start = clock.now();
  const sendTimes: number[] = [];
  const evidence: TransactionEvidence = { sendTimesMs: sendTimes };

  return new Promise<TransactionResult>((resolve) => {
    const cancels: (() => void)[] = [];
    let done = false;
    let pendingInvalid: { code: TransactionFailureCode; detail: string } | null = null;

    const finish = (r: TransactionResult) => {
      if (done) return;
      done = true;
      for (const c of cancels) c();
      resolve(r);
    };
    const fail = (code: TransactionFailureCode, detail: string) =>
      finish({ ok: false, code, detail, elapsedMs: clock.now() - start, sends: sendTimes.length, evidence });

    const send = () => {
      if (done) return;
      sendTimes.push(clock.now() - start);
      try {
        channel.send(request);
      } catch (e) {
        fail('SOCKET_ERROR', (e as Error).message);
      }
    };

    const invalid = (code: TransactionFailureCode, detail: string, data: Buffer) => {
      evidence.invalid ??= { problem: detail, firstBytesHex: data.subarray(0, 24).toString('hex'), length: data.length };
      if (channel.reliable) return fail(code, detail);
      if (pendingInvalid) return;
      pendingInvalid = { code, detail };
      cancels.push(clock.setTimer(() => fail(code, detail), opts.invalidGraceMs ?? 2 * (opts.rtoMs ?? DEFAULT_RTO_MS)));
    };

    const onEvent = (e: ChannelEvent) => {
      if (done) return;
      switch (e.kind) {
        case 'error':
          return fail(e.code, e.detail);
        case 'closed':
          return fail('CONNECTION_CLOSED', 'the server closed the connection without answering');
        case 'garbage':
          return invalid('NOT_STUN', e.problem, e.data);
        case 'frame': {
          const d = decodeMessage(e.data);
          if (!d.ok) return invalid(classifyDecode(d.error.kind), d.error.detail, e.data);
          const m = d.message;
          if (m.cls === 'request' || m.cls === 'indication') return; // not an answer to us (e.g. a Data indication)
          if (!m.transactionId.equals(txId)) {
            if (opts.previousTransactionIds?.has(m.transactionId.toString('hex'))) return; // late answer to an earlier request
            return invalid('TRANSACTION_MISMATCH', `answer for unknown transaction ${m.transactionId.toString('hex')}`, e.data);
          }
          if (m.fingerprint === 'invalid') return invalid('MALFORMED_RESPONSE', 'FINGERPRINT does not match', e.data);
          if (m.method !== method) return invalid('MALFORMED_RESPONSE', `answer has method 0x${m.method.toString(16)}, request had 0x${method.toString(16)}`, e.data);
          const rtt = clock.now() - start;
          return finish({ ok: true, response: m, rttMs: rtt, sends: sendTimes.length, evidence });
        }
      }
    };

    if (opts.signal?.aborted) return fail('ABORTED', 'aborted before start');
    const onAbort = () => fail('ABORTED', 'aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cancels.push(() => opts.signal?.removeEventListener('abort', onAbort));
    cancels.push(channel.subscribe(onEvent));
    if (done) return; // the channel was already closed or failed

    const bound = Math.max(0, opts.timeoutMs);
    if (channel.reliable) {
      cancels.push(clock.setTimer(() => fail('TIMEOUT', `no answer within ${Math.round(Math.min(bound, DEFAULT_TI_MS))} ms`), Math.min(bound, DEFAULT_TI_MS)));
      send();
      return;
    }
    const { sendsAt, giveUpAt } = retransmitSchedule(opts);
    const deadline = Math.min(bound, giveUpAt);
    cancels.push(clock.setTimer(() => fail('TIMEOUT', `no answer to ${sendTimes.length} send(s) within ${Math.round(deadline)} ms`), deadline));
    send();
    for (const at of sendsAt.slice(1)) if (at < deadline) cancels.push(clock.setTimer(send, at));
  });
}
