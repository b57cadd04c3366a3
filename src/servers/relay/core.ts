/**
 * RelayCore: the relay's rooms, limits and message routing, with no sockets and no timers.
 *
 * The socket server (server.ts) is a thin shell: it tells the core that a connection opened,
 * that a frame arrived, that a connection went away, and calls `sweep()` periodically; the core
 * answers with effects (send this message to that connection, close it with this code, log this
 * line) that the shell carries out. Time comes from the injected `now()`, so rate limiting and
 * idle timeouts are unit-tested with a fake clock, without sleeping.
 *
 * Invariants:
 * - a connection is in at most one room; a relayed message goes only to the other members of
 *   the sender's room (never across rooms);
 * - when the core decides to close a connection it removes it at once (its peers get
 *   `peer-left`), and ignores any later frame from it;
 * - every outcome is an effect, never an exception: bad input gets an `error` message.
 */
import {
  type ClientMessage,
  type PeerLeftReason,
  type RelayedClientMessage,
  type ServerMessage,
  RelayCloseCode,
  RelayErrorCode,
  parseClientMessage,
} from './protocol.js';
import { UsageError } from '../../core/errors.js';

export type ConnId = number;

export type Effect =
  | { kind: 'send'; to: ConnId; message: ServerMessage }
  | { kind: 'close'; to: ConnId; code: RelayCloseCode; reason: string }
  | { kind: 'log'; line: string };

export interface RelayLimits {
  /** Largest accepted text frame, in bytes. Larger: TOO_LARGE and close 1009. */
  maxMessageBytes: number;
  maxMembersPerRoom: number;
  maxRooms: number;
  maxConnections: number;
  /** Token bucket refill rate per connection (Infinity: no limit). */
  messagesPerSecond: number;
  /** Token bucket size: how many messages a connection may send back-to-back. */
  burst: number;
  /** Dropped (over-rate) messages tolerated within one second before the connection is closed. */
  rateLimitDisconnectAfter: number;
  /** A connection that sends no valid message for this long is closed (IDLE_TIMEOUT, 4001). */
  idleTimeoutMs: number;
  /** If set, `join` must carry this token. Never logged. */
  token?: string | undefined;
}

export const DEFAULT_LIMITS: Readonly<Omit<RelayLimits, 'token'>> = {
  maxMessageBytes: 64 * 1024,
  maxMembersPerRoom: 2,
  maxRooms: 10_000,
  maxConnections: 16_384,
  messagesPerSecond: 50,
  burst: 100,
  rateLimitDisconnectAfter: 100,
  idleTimeoutMs: 120_000,
};

export interface RelayCoreDeps {
  /** Milliseconds, monotonic enough for rate limiting and idle timeouts. */
  now: () => number;
  newPeerId?: () => string;
}

export interface RelayStats {
  connections: number;
  rooms: number;
  members: number;
  opened: number;
  rejectedConnections: number;
  messagesIn: number;
  messagesRelayed: number;
  errorsSent: number;
  rateLimitedDrops: number;
  kicked: number;
}

interface Conn {
  id: ConnId;
  peerId: string;
  remote: string;
  room: string | null;
  tokens: number;
  refillAt: number;
  lastActivity: number;
  dropWindowStart: number;
  dropsInWindow: number;
}

type Room = Set<Conn>;

export class RelayCore {
  readonly limits: RelayLimits;
  private readonly now: () => number;
  private readonly newPeerId: () => string;
  private readonly conns = new Map<ConnId, Conn>();
  private readonly rooms = new Map<string, Room>();
  private nextConnId = 1;
  private nextPeer = 1;
  private readonly counters = { opened: 0, rejectedConnections: 0, messagesIn: 0, messagesRelayed: 0, errorsSent: 0, rateLimitedDrops: 0, kicked: 0 };

  constructor(limits: Partial<RelayLimits>, deps: RelayCoreDeps) {
    // Only the limits: a caller passing its whole options object (host, port, log, …) must not
    // have them echoed as limits (`relay ready` printed `log=<the function's source>`).
    const given = stripUndefined(limits);
    const picked = Object.fromEntries(Object.keys(DEFAULT_LIMITS).filter((k) => k in given).map((k) => [k, given[k as keyof RelayLimits]]));
    this.limits = { ...DEFAULT_LIMITS, ...picked, ...(given.token !== undefined ? { token: given.token } : {}) };
    validateLimits(this.limits);
    this.now = deps.now;
    this.newPeerId = deps.newPeerId ?? (() => `p${(this.nextPeer++).toString(36)}`);
  }

  /**
   * A transport connection opened. Always returns a fresh id the shell maps to its socket;
   * when the relay is full the effects reject it (error + close 1013) and the core keeps no state.
   */
  open(remote = '?'): { id: ConnId; effects: Effect[] } {
    const id = this.nextConnId++;
    if (this.conns.size >= this.limits.maxConnections) {
      this.counters.rejectedConnections++;
      return {
        id,
        effects: [
          this.error(id, RelayErrorCode.TOO_MANY_CONNECTIONS, `the relay is at its limit of ${this.limits.maxConnections} connections`),
          { kind: 'close', to: id, code: RelayCloseCode.TRY_AGAIN_LATER, reason: 'too many connections' },
          { kind: 'log', line: `relay reject conn=${id} remote=${remote} code=TOO_MANY_CONNECTIONS` },
        ],
      };
    }
    const t = this.now();
    const conn: Conn = {
      id,
      peerId: this.newPeerId(),
      remote,
      room: null,
      tokens: this.limits.burst,
      refillAt: t,
      lastActivity: t,
      dropWindowStart: t,
      dropsInWindow: 0,
    };
    this.conns.set(id, conn);
    this.counters.opened++;
    return { id, effects: [{ kind: 'log', line: `relay open conn=${id} peer=${conn.peerId} remote=${remote}` }] };
  }

  /**
   * One WebSocket message arrived. `data` is the text (ignored for binary frames), `byteLength`
   * its size on the wire.
   */
  frame(id: ConnId, data: string, isBinary: boolean, byteLength: number): Effect[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    this.counters.messagesIn++;
    const t = this.now();

    // Every frame costs a token, whatever it contains: floods of garbage are limited too.
    if (!this.takeToken(conn, t)) return this.overRate(conn, t);

    if (byteLength > this.limits.maxMessageBytes) {
      return [
        this.error(id, RelayErrorCode.TOO_LARGE, `message of ${byteLength} bytes is over the limit of ${this.limits.maxMessageBytes}`),
        ...this.kick(conn, RelayCloseCode.MESSAGE_TOO_BIG, 'message too large', 'kicked', `code=TOO_LARGE bytes=${byteLength}`),
      ];
    }
    if (isBinary) {
      return [this.error(id, RelayErrorCode.BINARY_NOT_SUPPORTED, 'binary frames are not part of the protocol; send JSON text')];
    }
    const parsed = parseClientMessage(data);
    if (!parsed.ok) {
      return [this.error(id, parsed.code, parsed.message), { kind: 'log', line: `relay reject-message conn=${id} code=${parsed.code}` }];
    }
    conn.lastActivity = t;
    return this.dispatch(conn, parsed.message);
  }

  /** The transport connection is gone (closed by either side or broken). */
  closed(id: ConnId, reason: PeerLeftReason, detail?: string): Effect[] {
    const conn = this.conns.get(id);
    if (!conn) return [];
    if (reason === 'kicked') this.counters.kicked++;
    const extra = detail === undefined ? '' : ` ${detail}`;
    return this.remove(conn, reason, `relay close conn=${id} peer=${conn.peerId} reason=${reason}${extra}`);
  }

  /** Closes connections idle for idleTimeoutMs or more. Call periodically. */
  sweep(): Effect[] {
    const t = this.now();
    const effects: Effect[] = [];
    for (const conn of [...this.conns.values()]) {
      if (t - conn.lastActivity >= this.limits.idleTimeoutMs) {
        effects.push(this.error(conn.id, RelayErrorCode.IDLE_TIMEOUT, `no message for ${this.limits.idleTimeoutMs} ms`));
        effects.push(...this.closeConn(conn, RelayCloseCode.IDLE_TIMEOUT, 'idle timeout', 'idle', `relay idle conn=${conn.id} peer=${conn.peerId}`));
      }
    }
    return effects;
  }

  /** Closes every connection (relay stopping). */
  shutdown(): Effect[] {
    const effects: Effect[] = [];
    for (const conn of [...this.conns.values()]) {
      effects.push(this.error(conn.id, RelayErrorCode.SHUTTING_DOWN, 'the relay is stopping'));
      effects.push({ kind: 'close', to: conn.id, code: RelayCloseCode.GOING_AWAY, reason: 'relay shutting down' });
    }
    const closed = this.conns.size;
    this.conns.clear();
    this.rooms.clear();
    effects.push({ kind: 'log', line: `relay shutdown closed=${closed}` });
    return effects;
  }

  has(id: ConnId): boolean {
    return this.conns.has(id);
  }

  stats(): RelayStats {
    let members = 0;
    for (const r of this.rooms.values()) members += r.size;
    return { connections: this.conns.size, rooms: this.rooms.size, members, ...this.counters };
  }

  // ---- internals

  private dispatch(conn: Conn, msg: ClientMessage): Effect[] {
    switch (msg.type) {
      case 'ping':
        return [{ kind: 'send', to: conn.id, message: { type: 'pong' } }];
      case 'join':
        return this.join(conn, msg.room, msg.token);
      case 'leave':
        if (conn.room === null) return [this.error(conn.id, RelayErrorCode.NOT_IN_ROOM, 'leave before join')];
        return this.leaveRoom(conn, 'left', `relay leave conn=${conn.id} peer=${conn.peerId} room=${conn.room}`);
      case 'offer':
      case 'answer':
      case 'candidate':
      case 'bye':
        return this.relay(conn, msg);
    }
  }

  private join(conn: Conn, roomName: string, token: string | undefined): Effect[] {
    const required = this.limits.token;
    if (required !== undefined && (token === undefined || !constantTimeEqual(token, required))) {
      return [
        this.error(conn.id, RelayErrorCode.UNAUTHORIZED, token === undefined ? 'this relay requires a token' : 'wrong token'),
        ...this.kick(conn, RelayCloseCode.POLICY_VIOLATION, 'unauthorized', 'kicked', 'code=UNAUTHORIZED'),
      ];
    }
    if (conn.room !== null) {
      return [this.error(conn.id, RelayErrorCode.ALREADY_IN_ROOM, 'already in a room; leave first')];
    }
    let room = this.rooms.get(roomName);
    if (room && room.size >= this.limits.maxMembersPerRoom) {
      return [
        this.error(conn.id, RelayErrorCode.ROOM_FULL, `the room has its maximum of ${this.limits.maxMembersPerRoom} members`),
        { kind: 'log', line: `relay reject-join conn=${conn.id} room=${roomName} code=ROOM_FULL` },
      ];
    }
    if (!room) {
      if (this.rooms.size >= this.limits.maxRooms) {
        return [
          this.error(conn.id, RelayErrorCode.TOO_MANY_ROOMS, `the relay has its maximum of ${this.limits.maxRooms} rooms`),
          { kind: 'log', line: `relay reject-join conn=${conn.id} room=${roomName} code=TOO_MANY_ROOMS` },
        ];
      }
      room = new Set();
      this.rooms.set(roomName, room);
    }
    const others = [...room];
    room.add(conn);
    conn.room = roomName;
    const effects: Effect[] = [{ kind: 'send', to: conn.id, message: { type: 'joined', room: roomName, peerId: conn.peerId, peers: room.size } }];
    for (const o of others) effects.push({ kind: 'send', to: o.id, message: { type: 'peer-joined', peerId: conn.peerId } });
    effects.push({ kind: 'log', line: `relay join conn=${conn.id} peer=${conn.peerId} room=${roomName} peers=${room.size}` });
    return effects;
  }

  private relay(conn: Conn, msg: RelayedClientMessage): Effect[] {
    if (conn.room === null) return [this.error(conn.id, RelayErrorCode.NOT_IN_ROOM, `${msg.type} before join`)];
    const room = this.rooms.get(conn.room);
    const effects: Effect[] = [];
    const out = { ...msg, from: conn.peerId } as ServerMessage;
    for (const o of room ?? []) {
      if (o !== conn) effects.push({ kind: 'send', to: o.id, message: out });
    }
    if (effects.length === 0) return [this.error(conn.id, RelayErrorCode.NO_PEER, `nobody else is in the room; ${msg.type} not delivered`)];
    this.counters.messagesRelayed++;
    return effects;
  }

  private takeToken(conn: Conn, t: number): boolean {
    const rate = this.limits.messagesPerSecond;
    if (rate === Infinity) return true;
    const elapsed = Math.max(0, t - conn.refillAt);
    conn.tokens = Math.min(this.limits.burst, conn.tokens + (elapsed * rate) / 1000);
    conn.refillAt = t;
    if (conn.tokens >= 1) {
      conn.tokens -= 1;
      return true;
    }
    return false;
  }

  private overRate(conn: Conn, t: number): Effect[] {
    this.counters.rateLimitedDrops++;
    if (t - conn.dropWindowStart >= 1000) {
      conn.dropWindowStart = t;
      conn.dropsInWindow = 0;
    }
    conn.dropsInWindow++;
    if (conn.dropsInWindow > this.limits.rateLimitDisconnectAfter) {
      return this.kick(conn, RelayCloseCode.POLICY_VIOLATION, 'rate limit exceeded', 'kicked', 'code=RATE_LIMITED');
    }
    if (conn.dropsInWindow === 1) {
      // One error per window, not one per dropped message: a flood must not be amplified.
      return [
        this.error(conn.id, RelayErrorCode.RATE_LIMITED, `over ${this.limits.messagesPerSecond} messages/s; messages are being dropped`),
        { kind: 'log', line: `relay rate-limited conn=${conn.id} peer=${conn.peerId}` },
      ];
    }
    return [];
  }

  private kick(conn: Conn, code: RelayCloseCode, reason: string, leftReason: PeerLeftReason, detail: string): Effect[] {
    this.counters.kicked++;
    return this.closeConn(conn, code, reason, leftReason, `relay kick conn=${conn.id} peer=${conn.peerId} ${detail}`);
  }

  private closeConn(conn: Conn, code: RelayCloseCode, reason: string, leftReason: PeerLeftReason, line: string): Effect[] {
    return [{ kind: 'close', to: conn.id, code, reason }, ...this.remove(conn, leftReason, line)];
  }

  private remove(conn: Conn, reason: PeerLeftReason, line: string): Effect[] {
    this.conns.delete(conn.id);
    if (conn.room === null) return [{ kind: 'log', line }];
    return this.leaveRoom(conn, reason, `${line} room=${conn.room}`);
  }

  private leaveRoom(conn: Conn, reason: PeerLeftReason, line: string): Effect[] {
    const name = conn.room;
    conn.room = null;
    const effects: Effect[] = [];
    const room = name === null ? undefined : this.rooms.get(name);
    if (room && name !== null) {
      room.delete(conn);
      for (const o of room) effects.push({ kind: 'send', to: o.id, message: { type: 'peer-left', peerId: conn.peerId, reason } });
      if (room.size === 0) this.rooms.delete(name);
    }
    effects.push({ kind: 'log', line });
    return effects;
  }

  private error(to: ConnId, code: RelayErrorCode, message: string): Effect {
    this.counters.errorsSent++;
    return { kind: 'send', to, message: { type: 'error', code, message } };
  }
}

/** Compares without an early exit, so the time taken does not reveal how much of a token matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateLimits(l: RelayLimits): void {
  const positiveInts: (keyof RelayLimits)[] = ['maxMessageBytes', 'maxMembersPerRoom', 'maxRooms', 'maxConnections', 'rateLimitDisconnectAfter'];
  for (const k of positiveInts) {
    const v = l[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UsageError(`relay limit ${k} must be a positive integer`);
  }
  for (const k of ['messagesPerSecond', 'burst', 'idleTimeoutMs'] as const) {
    if (!(l[k] > 0)) throw new UsageError(`relay limit ${k} must be positive`);
  }
  if (l.messagesPerSecond !== Infinity && l.burst < 1) throw new UsageError('relay limit burst must be at least 1');
  if (l.token !== undefined && l.token.length === 0) throw new UsageError('relay token must not be empty');
}
