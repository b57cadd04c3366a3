import { describe, expect, it } from 'vitest';
import { RelayCore, constantTimeEqual, type ConnId, type Effect, type RelayLimits } from '../../../src/servers/relay/core.js';
import { RelayCloseCode, RelayErrorCode, type ServerMessage } from '../../../src/servers/relay/protocol.js';
import { UsageError } from '../../../src/core/errors.js';

class Harness {
  t = 0;
  readonly core: RelayCore;
  constructor(limits: Partial<RelayLimits> = {}) {
    this.core = new RelayCore(limits, { now: () => this.t });
  }
  open(): ConnId {
    return this.core.open('test').id;
  }
  send(id: ConnId, msg: unknown): Effect[] {
    const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    return this.core.frame(id, text, false, Buffer.byteLength(text));
  }
  /** Opens a connection and joins it to `room`; returns the id and its peerId. */
  join(room: string, token?: string): { id: ConnId; peerId: string; effects: Effect[] } {
    const id = this.open();
    const effects = this.send(id, token === undefined ? { type: 'join', room } : { type: 'join', room, token });
    const joined = to(effects, id).find((m) => m.type === 'joined');
    if (!joined || joined.type !== 'joined') throw new Error(`join failed: ${JSON.stringify(effects)}`);
    return { id, peerId: joined.peerId, effects };
  }
}

const to = (effects: Effect[], id: ConnId): ServerMessage[] =>
  effects.flatMap((e) => (e.kind === 'send' && e.to === id ? [e.message] : []));
const errorCodes = (effects: Effect[], id: ConnId): string[] =>
  to(effects, id).flatMap((m) => (m.type === 'error' ? [m.code] : []));
const closes = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'close' ? [{ to: e.to, code: e.code }] : []));
const logs = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'log' ? [e.line] : []));

describe('RelayCore rooms', () => {
  it('joins, announces peers and relays offer/answer/candidate/bye with from', () => {
    const h = new Harness();
    const a = h.join('room1');
    expect(to(a.effects, a.id)).toEqual([{ type: 'joined', room: 'room1', peerId: a.peerId, peers: 1 }]);
    const b = h.join('room1');
    expect(to(b.effects, b.id)).toEqual([{ type: 'joined', room: 'room1', peerId: b.peerId, peers: 2 }]);
    expect(to(b.effects, a.id)).toEqual([{ type: 'peer-joined', peerId: b.peerId }]);
    expect(a.peerId).not.toBe(b.peerId);

    const offer = h.send(a.id, { type: 'offer', sdp: 'v=0 offer' });
    expect(to(offer, b.id)).toEqual([{ type: 'offer', sdp: 'v=0 offer', from: a.peerId }]);
    expect(to(offer, a.id)).toEqual([]);
    const answer = h.send(b.id, { type: 'answer', sdp: 'v=0 answer' });
    expect(to(answer, a.id)).toEqual([{ type: 'answer', sdp: 'v=0 answer', from: b.peerId }]);
    const cand = { candidate: 'candidate:1 1 udp 1 198.18.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    expect(to(h.send(a.id, { type: 'candidate', candidate: cand }), b.id)).toEqual([{ type: 'candidate', candidate: cand, from: a.peerId }]);
    expect(to(h.send(a.id, { type: 'candidate', candidate: null }), b.id)).toEqual([{ type: 'candidate', candidate: null, from: a.peerId }]);
    expect(to(h.send(b.id, { type: 'bye' }), a.id)).toEqual([{ type: 'bye', from: b.peerId }]);
    expect(h.core.stats()).toMatchObject({ connections: 2, rooms: 1, members: 2, messagesRelayed: 5 });
  });

  it('never relays across rooms', () => {
    const h = new Harness();
    const a1 = h.join('one');
    const b1 = h.join('one');
    const a2 = h.join('two');
    const b2 = h.join('two');
    const effects = [
      ...h.send(a1.id, { type: 'offer', sdp: 'one' }),
      ...h.send(a2.id, { type: 'offer', sdp: 'two' }),
      ...h.send(b2.id, { type: 'candidate', candidate: null }),
    ];
    const sends = effects.filter((e) => e.kind === 'send');
    expect(sends.map((e) => e.to).sort()).toEqual([b1.id, b2.id, a2.id].sort());
    expect(to(effects, b1.id)).toEqual([{ type: 'offer', sdp: 'one', from: a1.peerId }]);
    expect(to(effects, a1.id)).toEqual([]);
    expect(to(effects, b2.id)).toEqual([{ type: 'offer', sdp: 'two', from: a2.peerId }]);
  });

  it('rejects a third member with ROOM_FULL and leaves the room intact', () => {
    const h = new Harness();
    const a = h.join('r');
    const b = h.join('r');
    const c = h.open();
    const effects = h.send(c, { type: 'join', room: 'r' });
    expect(errorCodes(effects, c)).toEqual([RelayErrorCode.ROOM_FULL]);
    expect(to(effects, a.id)).toEqual([]);
    expect(to(effects, b.id)).toEqual([]);
    expect(closes(effects)).toEqual([]);
    // The rejected connection is not in the room: its messages go nowhere.
    expect(errorCodes(h.send(c, { type: 'offer', sdp: 'x' }), c)).toEqual([RelayErrorCode.NOT_IN_ROOM]);
    // It may join another room.
    expect(to(h.send(c, { type: 'join', room: 'other' }), c)[0]?.type).toBe('joined');
  });

  it('honours a larger maxMembersPerRoom and relays to every other member', () => {
    const h = new Harness({ maxMembersPerRoom: 3 });
    const a = h.join('r');
    const b = h.join('r');
    const c = h.join('r');
    const effects = h.send(b.id, { type: 'offer', sdp: 'x' });
    expect(effects.filter((e) => e.kind === 'send').map((e) => e.to).sort()).toEqual([a.id, c.id].sort());
    const d = h.open();
    expect(errorCodes(h.send(d, { type: 'join', room: 'r' }), d)).toEqual([RelayErrorCode.ROOM_FULL]);
  });

  it('enforces maxRooms with TOO_MANY_ROOMS but lets people join existing rooms', () => {
    const h = new Harness({ maxRooms: 2 });
    h.join('a');
    h.join('b');
    const c = h.open();
    expect(errorCodes(h.send(c, { type: 'join', room: 'c' }), c)).toEqual([RelayErrorCode.TOO_MANY_ROOMS]);
    expect(to(h.send(c, { type: 'join', room: 'a' }), c)[0]?.type).toBe('joined');
  });

  it('frees a room when its last member leaves, so maxRooms counts live rooms only', () => {
    const h = new Harness({ maxRooms: 1 });
    const a = h.join('a');
    const bye = h.send(a.id, { type: 'leave' });
    expect(logs(bye)).toHaveLength(1);
    expect(h.core.stats().rooms).toBe(0);
    h.join('b');
  });

  it('tells the other member why a peer left: leave, close, lost', () => {
    const h = new Harness();
    const a = h.join('r');
    const b = h.join('r');
    expect(to(h.send(b.id, { type: 'leave' }), a.id)).toEqual([{ type: 'peer-left', peerId: b.peerId, reason: 'left' }]);
    const c = h.join('r');
    expect(to(h.core.closed(c.id, 'closed'), a.id)).toEqual([{ type: 'peer-left', peerId: c.peerId, reason: 'closed' }]);
    const d = h.join('r');
    const lost = h.core.closed(d.id, 'lost');
    expect(to(lost, a.id)).toEqual([{ type: 'peer-left', peerId: d.peerId, reason: 'lost' }]);
    expect(logs(lost)).toHaveLength(1);
    // A second close notification for the same connection is a no-op.
    expect(h.core.closed(d.id, 'closed')).toEqual([]);
    expect(h.core.stats()).toMatchObject({ connections: 2, rooms: 1, members: 1 }); // b left the room but is still connected
  });

  it('answers state errors with codes', () => {
    const h = new Harness();
    const x = h.open();
    expect(errorCodes(h.send(x, { type: 'leave' }), x)).toEqual([RelayErrorCode.NOT_IN_ROOM]);
    expect(errorCodes(h.send(x, { type: 'offer', sdp: 's' }), x)).toEqual([RelayErrorCode.NOT_IN_ROOM]);
    expect(errorCodes(h.send(x, { type: 'bye' }), x)).toEqual([RelayErrorCode.NOT_IN_ROOM]);
    h.send(x, { type: 'join', room: 'r' });
    expect(errorCodes(h.send(x, { type: 'join', room: 'r' }), x)).toEqual([RelayErrorCode.ALREADY_IN_ROOM]);
    expect(errorCodes(h.send(x, { type: 'join', room: 's' }), x)).toEqual([RelayErrorCode.ALREADY_IN_ROOM]);
    expect(errorCodes(h.send(x, { type: 'offer', sdp: 's' }), x)).toEqual([RelayErrorCode.NO_PEER]);
    expect(to(h.send(x, { type: 'ping' }), x)).toEqual([{ type: 'pong' }]);
  });

  it('answers malformed input with an error and keeps the connection', () => {
    const h = new Harness();
    const a = h.join('r');
    const b = h.join('r');
    expect(errorCodes(h.send(a.id, '{not json'), a.id)).toEqual([RelayErrorCode.BAD_JSON]);
    expect(errorCodes(h.send(a.id, { type: 'nope' }), a.id)).toEqual([RelayErrorCode.UNKNOWN_TYPE]);
    expect(errorCodes(h.send(a.id, { type: 'offer', sdp: 5 }), a.id)).toEqual([RelayErrorCode.INVALID_MESSAGE]);
    const bin = h.core.frame(a.id, '', true, 16);
    expect(errorCodes(bin, a.id)).toEqual([RelayErrorCode.BINARY_NOT_SUPPORTED]);
    expect(closes(bin)).toEqual([]);
    // Still works afterwards, and nothing leaked to the peer.
    expect(to(h.send(a.id, { type: 'offer', sdp: 'ok' }), b.id)).toEqual([{ type: 'offer', sdp: 'ok', from: a.peerId }]);
  });
});

describe('RelayCore limits', () => {
  it('closes a connection that sends a frame over maxMessageBytes (TOO_LARGE, 1009) and tells its peer', () => {
    const h = new Harness({ maxMessageBytes: 1000 });
    const a = h.join('r');
    const b = h.join('r');
    const ok = h.send(a.id, { type: 'offer', sdp: 'x'.repeat(900) });
    expect(to(ok, b.id)).toHaveLength(1);
    const effects = h.send(a.id, { type: 'offer', sdp: 'x'.repeat(1000) });
    expect(errorCodes(effects, a.id)).toEqual([RelayErrorCode.TOO_LARGE]);
    expect(closes(effects)).toEqual([{ to: a.id, code: RelayCloseCode.MESSAGE_TOO_BIG }]);
    expect(to(effects, b.id)).toEqual([{ type: 'peer-left', peerId: a.peerId, reason: 'kicked' }]);
    expect(logs(effects)).toHaveLength(1);
    expect(h.core.has(a.id)).toBe(false);
    expect(h.send(a.id, { type: 'ping' })).toEqual([]);
  });

  it('caps connections with TOO_MANY_CONNECTIONS and 1013, keeping no state for the rejected one', () => {
    const h = new Harness({ maxConnections: 2 });
    h.open();
    const second = h.open();
    const third = h.core.open('x');
    expect(errorCodes(third.effects, third.id)).toEqual([RelayErrorCode.TOO_MANY_CONNECTIONS]);
    expect(closes(third.effects)).toEqual([{ to: third.id, code: RelayCloseCode.TRY_AGAIN_LATER }]);
    expect(h.core.has(third.id)).toBe(false);
    expect(h.core.stats()).toMatchObject({ connections: 2, rejectedConnections: 1 });
    h.core.closed(second, 'closed');
    expect(h.core.has(h.open())).toBe(true);
  });

  it('rate-limits with a token bucket: burst, then RATE_LIMITED once, then refill', () => {
    const h = new Harness({ messagesPerSecond: 10, burst: 5, rateLimitDisconnectAfter: 20 });
    const a = h.join('r'); // 1 token used
    const b = h.join('r');
    let delivered = 0;
    const errs: string[] = [];
    for (let i = 0; i < 10; i++) {
      const e = h.send(a.id, { type: 'candidate', candidate: null });
      delivered += to(e, b.id).length;
      errs.push(...errorCodes(e, a.id));
    }
    expect(delivered).toBe(4);
    expect(errs).toEqual([RelayErrorCode.RATE_LIMITED]); // one error per window, not one per drop
    h.t += 300; // 3 tokens back
    delivered = 0;
    for (let i = 0; i < 5; i++) delivered += to(h.send(a.id, { type: 'candidate', candidate: null }), b.id).length;
    expect(delivered).toBe(3);
    expect(h.core.has(a.id)).toBe(true);
    expect(h.core.stats().rateLimitedDrops).toBe(8);
    // The peer is not affected by its neighbour's limit.
    expect(to(h.send(b.id, { type: 'ping' }), b.id)).toEqual([{ type: 'pong' }]);
  });

  it('a sender within the rate is never limited', () => {
    const h = new Harness({ messagesPerSecond: 10, burst: 2 });
    const a = h.join('r');
    const b = h.join('r');
    for (let i = 0; i < 100; i++) {
      h.t += 100;
      expect(to(h.send(a.id, { type: 'candidate', candidate: null }), b.id)).toHaveLength(1);
    }
  });

  it('disconnects a flood that persists (1008) and tells the peer it was kicked', () => {
    const h = new Harness({ messagesPerSecond: 10, burst: 5, rateLimitDisconnectAfter: 20 });
    const a = h.join('r');
    const b = h.join('r');
    const all: Effect[] = [];
    let n = 0;
    while (h.core.has(a.id) && n < 1000) {
      all.push(...h.send(a.id, 'garbage'));
      n++;
    }
    expect(h.core.has(a.id)).toBe(false);
    expect(n).toBe(4 + 21); // 4 tokens left after join, then 21 drops (> 20) within one second
    expect(errorCodes(all, a.id).filter((c) => c === RelayErrorCode.RATE_LIMITED)).toHaveLength(1);
    expect(closes(all)).toEqual([{ to: a.id, code: RelayCloseCode.POLICY_VIOLATION }]);
    expect(to(all, b.id)).toEqual([{ type: 'peer-left', peerId: a.peerId, reason: 'kicked' }]);
    expect(h.core.stats().kicked).toBe(1);
  });

  it('drop windows reset after a second: a slow over-rate sender is limited, not kicked', () => {
    const h = new Harness({ messagesPerSecond: 1, burst: 1, rateLimitDisconnectAfter: 3 });
    const a = h.open();
    for (let i = 0; i < 30; i++) {
      h.send(a, { type: 'ping' });
      h.send(a, { type: 'ping' });
      h.send(a, { type: 'ping' }); // 2 drops per second: under the 3-per-window disconnect threshold
      h.t += 1000;
    }
    expect(h.core.has(a)).toBe(true);
  });

  it('Infinity messagesPerSecond disables rate limiting', () => {
    const h = new Harness({ messagesPerSecond: Infinity });
    const a = h.open();
    for (let i = 0; i < 10_000; i++) expect(to(h.send(a, { type: 'ping' }), a)).toEqual([{ type: 'pong' }]);
  });

  it('times out idle connections with IDLE_TIMEOUT and 4001; valid messages keep them alive, garbage does not', () => {
    const h = new Harness({ idleTimeoutMs: 10_000 });
    const a = h.join('r');
    const b = h.join('r');
    const garbage = h.open();
    h.t = 9_000;
    expect(h.core.sweep()).toEqual([]);
    h.send(a.id, { type: 'ping' });
    h.send(garbage, '{{{');
    h.t = 10_000;
    const effects = h.core.sweep();
    expect(closes(effects).sort((x, y) => x.to - y.to)).toEqual([
      { to: b.id, code: RelayCloseCode.IDLE_TIMEOUT },
      { to: garbage, code: RelayCloseCode.IDLE_TIMEOUT },
    ]);
    expect(errorCodes(effects, b.id)).toEqual([RelayErrorCode.IDLE_TIMEOUT]);
    expect(to(effects, a.id)).toEqual([{ type: 'peer-left', peerId: b.peerId, reason: 'idle' }]);
    expect(h.core.has(a.id)).toBe(true);
    h.t = 19_000;
    expect(closes(h.core.sweep())).toEqual([{ to: a.id, code: RelayCloseCode.IDLE_TIMEOUT }]);
    expect(h.core.stats()).toMatchObject({ connections: 0, rooms: 0 });
  });
});

describe('RelayCore token', () => {
  it('requires the token to join; a wrong or missing token closes with 1008 (UNAUTHORIZED)', () => {
    const h = new Harness({ token: 'sekrit-token' });
    const ok = h.join('r', 'sekrit-token');
    expect(ok.peerId).toBeTruthy();
    for (const token of [undefined, 'wrong', 'sekrit-toke', 'sekrit-token2', '']) {
      const id = h.open();
      const e = h.send(id, token === undefined ? { type: 'join', room: 'r' } : { type: 'join', room: 'r', token });
      expect(errorCodes(e, id)).toEqual([RelayErrorCode.UNAUTHORIZED]);
      expect(closes(e)).toEqual([{ to: id, code: RelayCloseCode.POLICY_VIOLATION }]);
      expect(to(e, ok.id)).toEqual([]);
      expect(h.core.has(id)).toBe(false);
    }
  });

  it('never puts the token, SDP or candidates in log lines or error messages', () => {
    const h = new Harness({ token: 'TOKEN-abc123' });
    const all: Effect[] = [];
    const a = h.join('r', 'TOKEN-abc123');
    const b = h.join('r', 'TOKEN-abc123');
    all.push(...a.effects, ...b.effects);
    all.push(...h.send(a.id, { type: 'offer', sdp: 'SDP-SECRET-ufrag' }));
    all.push(...h.send(a.id, { type: 'candidate', candidate: { candidate: 'CAND-SECRET' } }));
    const c = h.open();
    all.push(...h.send(c, { type: 'join', room: 'r', token: 'TOKEN-abc12' }));
    all.push(...h.core.closed(a.id, 'closed'));
    const text = [...logs(all), ...all.flatMap((e) => (e.kind === 'send' && e.message.type === 'error' ? [e.message.message] : []))].join('\n');
    expect(text).toContain('relay join');
    expect(text).not.toMatch(/TOKEN-abc|SDP-SECRET|CAND-SECRET/);
  });

  it('constantTimeEqual compares exactly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('a\u0000', 'a')).toBe(false);
  });
});

describe('RelayCore lifecycle', () => {
  it('shutdown closes everyone with 1001 and SHUTTING_DOWN', () => {
    const h = new Harness();
    const a = h.join('r');
    const x = h.open();
    const effects = h.core.shutdown();
    expect(errorCodes(effects, a.id)).toEqual([RelayErrorCode.SHUTTING_DOWN]);
    expect(closes(effects).map((c) => c.code)).toEqual([RelayCloseCode.GOING_AWAY, RelayCloseCode.GOING_AWAY]);
    expect(closes(effects).map((c) => c.to).sort()).toEqual([a.id, x].sort());
    expect(h.core.stats()).toMatchObject({ connections: 0, rooms: 0 });
    expect(logs(effects)).toHaveLength(1);
  });

  it('rejects nonsensical limits as usage errors', () => {
    expect(() => new RelayCore({ maxMembersPerRoom: 0 }, { now: () => 0 })).toThrow(UsageError);
    expect(() => new RelayCore({ maxMessageBytes: 1.5 }, { now: () => 0 })).toThrow(UsageError);
    expect(() => new RelayCore({ messagesPerSecond: -1 }, { now: () => 0 })).toThrow(UsageError);
    expect(() => new RelayCore({ idleTimeoutMs: 0 }, { now: () => 0 })).toThrow(UsageError);
    expect(() => new RelayCore({ token: '' }, { now: () => 0 })).toThrow(UsageError);
    expect(() => new RelayCore({ maxRooms: undefined }, { now: () => 0 })).not.toThrow();
  });

  it('logs at most one line per event', () => {
    const h = new Harness();
    const a = h.join('r');
    expect(logs(a.effects)).toHaveLength(1);
    const b = h.join('r');
    expect(logs(b.effects)).toHaveLength(1);
    expect(logs(h.send(a.id, { type: 'offer', sdp: 's' }))).toHaveLength(0);
    expect(logs(h.core.closed(b.id, 'lost'))).toHaveLength(1);
  });
});
