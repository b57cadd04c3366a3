import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay, type RelayServer } from '../../../src/servers/relay/server.js';
import { RelayCloseCode, RelayErrorCode } from '../../../src/servers/relay/protocol.js';
import { TestClient, until, withTimeout } from './client.js';

const TOKEN = 'relay-test-token-5f2c';
const MAX_BYTES = 8 * 1024;

let relay: RelayServer;
const logLines: string[] = [];
const clients: TestClient[] = [];

async function client(): Promise<TestClient> {
  const c = await TestClient.connect(relay.url);
  clients.push(c);
  return c;
}

/** Two clients in `room`, each knowing the other's peerId. */
async function pair(room: string) {
  const a = await client();
  const b = await client();
  const aId = await a.join(room, TOKEN);
  const bId = await b.join(room, TOKEN);
  await a.next((m) => m.type === 'peer-joined' && m.peerId === bId);
  return { a, b, aId, bId };
}

beforeAll(async () => {
  relay = await startRelay({
    maxMessageBytes: MAX_BYTES,
    messagesPerSecond: 50,
    burst: 20,
    rateLimitDisconnectAfter: 50,
    maxConnections: 5_000,
    maxRooms: 4_000,
    idleTimeoutMs: 60_000,
    token: TOKEN,
    log: (line) => logLines.push(line),
  });
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await relay?.close();
});

describe('relay over real sockets', () => {
  it('binds loopback and serves the health endpoint', async () => {
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const res = await fetch(`${relay.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, rooms: 0, connections: 0 });
    expect(typeof body.uptimeS).toBe('number');
    const other = await fetch(`${relay.httpUrl}/nope`, { signal: AbortSignal.timeout(5_000) });
    expect(other.status).toBe(404);
    await other.body?.cancel();
  });

  it('relays offer, answer, candidates and bye between the two members', async () => {
    const { a, b, aId, bId } = await pair('call-1');
    const health = (await (await fetch(`${relay.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, number>;
    expect(health).toMatchObject({ rooms: 1, connections: 2 });

    a.send({ type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' });
    expect(await b.type('offer')).toEqual({ type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n', from: aId });
    b.send({ type: 'answer', sdp: 'v=0 answer' });
    expect(await a.type('answer')).toEqual({ type: 'answer', sdp: 'v=0 answer', from: bId });
    const cand = { candidate: 'candidate:1 1 udp 41885439 127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'uf' };
    b.send({ type: 'candidate', candidate: cand });
    b.send({ type: 'candidate', candidate: null });
    expect(await a.type('candidate')).toEqual({ type: 'candidate', candidate: cand, from: bId });
    expect(await a.type('candidate')).toEqual({ type: 'candidate', candidate: null, from: bId });
    a.send({ type: 'bye' });
    expect(await b.type('bye')).toEqual({ type: 'bye', from: aId });
    a.send({ type: 'leave' });
    expect(await b.type('peer-left')).toEqual({ type: 'peer-left', peerId: aId, reason: 'left' });
  });

  it('never leaks one room’s messages to another', async () => {
    const one = await pair('iso-1');
    const two = await pair('iso-2');
    for (let i = 0; i < 10; i++) {
      one.a.send({ type: 'offer', sdp: `room-one-${i}` });
      two.b.send({ type: 'answer', sdp: `room-two-${i}` });
    }
    for (let i = 0; i < 10; i++) {
      expect(await one.b.type('offer')).toMatchObject({ sdp: `room-one-${i}`, from: one.aId });
      expect(await two.a.type('answer')).toMatchObject({ sdp: `room-two-${i}`, from: two.bId });
    }
    // After a round trip each, anything leaked would have arrived.
    await Promise.all([one.a.sync(), one.b.sync(), two.a.sync(), two.b.sync()]);
    for (const c of [one.a, one.b, two.a, two.b]) expect(c.received).toEqual([]);
  });

  it('refuses a third member with ROOM_FULL; the call in the room goes on', async () => {
    const { a, b, aId } = await pair('full');
    const c = await client();
    c.send({ type: 'join', room: 'full', token: TOKEN });
    expect(await c.error()).toBe(RelayErrorCode.ROOM_FULL);
    a.send({ type: 'offer', sdp: 'still here' });
    expect(await b.type('offer')).toMatchObject({ sdp: 'still here', from: aId });
    await c.sync();
    expect(c.received).toEqual([]);
  });

  it('rejects a frame over maxMessageBytes with TOO_LARGE and 1009, and tells the peer', async () => {
    const { a, b, aId } = await pair('big');
    a.send({ type: 'offer', sdp: 'x'.repeat(MAX_BYTES + 10) });
    expect(await a.error()).toBe(RelayErrorCode.TOO_LARGE);
    const closed = await a.waitClosed();
    expect(closed.code).toBe(RelayCloseCode.MESSAGE_TOO_BIG);
    expect(closed.reason).toBe('message too large');
    expect(await b.type('peer-left')).toEqual({ type: 'peer-left', peerId: aId, reason: 'kicked' });
  });

  it('cuts off a frame far over the hard cap without buffering it (1009)', async () => {
    const { a, b, aId } = await pair('huge');
    a.send(Buffer.alloc(4 * MAX_BYTES, 0x61).toString());
    expect((await a.waitClosed()).code).toBe(RelayCloseCode.MESSAGE_TOO_BIG);
    expect(await b.type('peer-left')).toEqual({ type: 'peer-left', peerId: aId, reason: 'kicked' });
  });

  it('answers binary garbage and malformed JSON with error codes and keeps the connection', async () => {
    const { a, b, aId } = await pair('garbage');
    a.ws.send(Buffer.from([0x00, 0xff, 0x13, 0x37, 0xde, 0xad]));
    expect(await a.error()).toBe(RelayErrorCode.BINARY_NOT_SUPPORTED);
    a.send('{"type":"offer", sdp: nope');
    expect(await a.error()).toBe(RelayErrorCode.BAD_JSON);
    a.send('\u0000\u0001\u0002');
    expect(await a.error()).toBe(RelayErrorCode.BAD_JSON);
    a.send({ type: 'teleport' });
    expect(await a.error()).toBe(RelayErrorCode.UNKNOWN_TYPE);
    a.send({ type: 'candidate', candidate: 'not an object' });
    expect(await a.error()).toBe(RelayErrorCode.INVALID_MESSAGE);
    a.send({ type: 'offer', sdp: 'after garbage' });
    expect(await b.type('offer')).toMatchObject({ sdp: 'after garbage', from: aId });
    await b.sync();
    expect(b.received).toEqual([]);
  });

  it('survives raw TCP garbage and invalid WebSocket framing', async () => {
    const port = relay.port;
    // Not HTTP at all.
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => {});
    raw.resume(); // read (and discard) the 400 response so 'close' can follow
    await withTimeout(new Promise<void>((r) => raw.once('connect', () => r())), 5_000, 'raw connect');
    raw.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
    await withTimeout(new Promise<void>((r) => raw.once('close', () => r())), 5_000, 'server closes garbage connection');
    // A valid handshake, then a frame with a reserved opcode (0x3), unmasked.
    const c = await client();
    const peer = await client();
    await peer.join('framing', TOKEN);
    const cId = await c.join('framing', TOKEN);
    const sock = (c.ws as unknown as { _socket: net.Socket })._socket;
    sock.write(Buffer.from([0x83, 0x02, 0x41, 0x42]));
    expect((await c.waitClosed()).code).toBe(1002);
    expect(await peer.type('peer-left')).toEqual({ type: 'peer-left', peerId: cId, reason: 'kicked' });
    const { a, b, aId } = await pair('after-framing');
    a.send({ type: 'offer', sdp: 'ok' });
    expect(await b.type('offer')).toMatchObject({ from: aId });
  });

  it('rate-limits a flood with RATE_LIMITED, then disconnects it (1008); the peer learns it was kicked', async () => {
    const { a, b, aId } = await pair('flood');
    for (let i = 0; i < 500; i++) a.send({ type: 'candidate', candidate: null });
    expect(await a.error()).toBe(RelayErrorCode.RATE_LIMITED);
    const closed = await a.waitClosed();
    expect(closed.code).toBe(RelayCloseCode.POLICY_VIOLATION);
    expect(closed.reason).toBe('rate limit exceeded');
    expect(await b.type('peer-left')).toEqual({ type: 'peer-left', peerId: aId, reason: 'kicked' });
    const relayed = b.received.filter((m) => m.type === 'candidate').length;
    expect(relayed).toBeLessThanOrEqual(20); // the burst, minus the join
  });

  it('enforces the token: missing or wrong token → UNAUTHORIZED and 1008', async () => {
    const x = await client();
    x.send({ type: 'join', room: 'tok' });
    expect(await x.error()).toBe(RelayErrorCode.UNAUTHORIZED);
    expect((await x.waitClosed()).code).toBe(RelayCloseCode.POLICY_VIOLATION);
    const y = await client();
    y.send({ type: 'join', room: 'tok', token: `${TOKEN}x` });
    expect(await y.error()).toBe(RelayErrorCode.UNAUTHORIZED);
    expect((await y.waitClosed()).code).toBe(RelayCloseCode.POLICY_VIOLATION);
    const z = await client();
    expect(await z.join('tok', TOKEN)).toBeTruthy();
  });

  it('tells the other member when a client vanishes mid-call (terminate → peer-left lost)', async () => {
    const { a, b, aId } = await pair('vanish');
    a.send({ type: 'offer', sdp: 'o' });
    await b.type('offer');
    a.ws.terminate();
    expect(await b.type('peer-left')).toEqual({ type: 'peer-left', peerId: aId, reason: 'lost' });
    await until(() => relay.stats().members === 1, 2_000, 'room shrinks');
  });

  it('keeps serving other rooms after all of the above', async () => {
    const { a, b, aId, bId } = await pair('afterwards');
    a.send({ type: 'offer', sdp: 'fine' });
    expect(await b.type('offer')).toEqual({ type: 'offer', sdp: 'fine', from: aId });
    b.send({ type: 'answer', sdp: 'fine' });
    expect(await a.type('answer')).toEqual({ type: 'answer', sdp: 'fine', from: bId });
    const res = await fetch(`${relay.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('accepts 3000 idle sockets, then cleans every one up', async () => {
    const N = 3_000;
    // Clients of earlier tests were terminated in afterEach; let the relay notice first.
    await until(() => relay.stats().connections === 0, 5_000, 'earlier clients gone');
    const before = 0;
    const sockets: WebSocket[] = [];
    try {
      for (let batch = 0; batch < N; batch += 500) {
        const opened = Array.from({ length: 500 }, () => {
          const ws = new WebSocket(relay.url);
          ws.on('error', () => {});
          sockets.push(ws);
          return withTimeout(new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('close', () => j(new Error('closed early'))))), 20_000, 'idle open');
        });
        await Promise.all(opened);
      }
      await until(() => relay.stats().connections === before + N, 15_000, () => `all idle sockets registered: ${JSON.stringify(relay.stats())} before=${before} open=${sockets.filter((w) => w.readyState === WebSocket.OPEN).length}`);
      const health = (await (await fetch(`${relay.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as { connections: number };
      expect(health.connections).toBe(before + N);
      // Still responsive while holding them.
      const { a, b } = await pair('busy');
      a.send({ type: 'offer', sdp: 'busy' });
      expect(await b.type('offer')).toMatchObject({ sdp: 'busy' });
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    for (const c of clients.splice(0)) c.close();
    await until(() => relay.stats().connections === 0, 15_000, () => `idle sockets cleaned up: ${relay.stats().connections} left`);
    expect(relay.stats()).toMatchObject({ connections: 0, rooms: 0, members: 0 });
  });

  it('logs one line per event and never logs the token or SDP', () => {
    const text = logLines.join('\n');
    expect(text).toMatch(/relay join /);
    expect(text).toMatch(/relay kick .*code=RATE_LIMITED/);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('v=0');
    expect(text).not.toContain('candidate:1');
    for (const l of logLines) expect(l).not.toContain('\n');
  });
});

describe('relay limits on small servers', () => {
  it('notices a peer that stops answering WebSocket pings (heartbeat) and reports it lost', async () => {
    const small = await startRelay({ heartbeatIntervalMs: 1_000 });
    const b = await TestClient.connect(small.url);
    const silent = await TestClient.connect(small.url, { autoPong: false });
    try {
      await b.join('heartbeat');
      const sId = await silent.join('heartbeat');
      // Dropped after at most two intervals without a pong; b answers pings and stays.
      expect(await b.type('peer-left', 5_000)).toEqual({ type: 'peer-left', peerId: sId, reason: 'lost' });
      expect(b.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      b.close();
      silent.close();
      await small.close();
    }
  });

  it('drops a receiver that stops reading instead of buffering without bound', async () => {
    const small = await startRelay({ messagesPerSecond: Infinity, maxBufferedBytes: 256 * 1024 });
    const a = await TestClient.connect(small.url);
    const b = await TestClient.connect(small.url);
    try {
      await a.join('slow');
      const bId = await b.join('slow');
      await a.type('peer-joined');
      (b.ws as unknown as { _socket: net.Socket })._socket.pause(); // b stops reading
      const sdp = 'x'.repeat(60_000);
      // Bounded: ~30 MB at most, far more than loopback socket buffers hold.
      for (let i = 0; i < 500 && small.stats().members === 2; i++) {
        a.send({ type: 'offer', sdp });
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
      }
      await until(() => small.stats().members === 1, 10_000, 'slow receiver dropped');
      expect(await a.type('peer-left')).toEqual({ type: 'peer-left', peerId: bId, reason: 'lost' });
      expect(a.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      a.close();
      b.close();
      await small.close();
    }
  });

  it('refuses connections beyond maxConnections with TOO_MANY_CONNECTIONS and 1013', async () => {
    const small = await startRelay({ maxConnections: 3 });
    const held: TestClient[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await TestClient.connect(small.url));
      const extra = await TestClient.connect(small.url);
      held.push(extra);
      expect(await extra.error()).toBe(RelayErrorCode.TOO_MANY_CONNECTIONS);
      expect((await extra.waitClosed()).code).toBe(RelayCloseCode.TRY_AGAIN_LATER);
      expect(small.stats()).toMatchObject({ connections: 3, rejectedConnections: 1 });
      held[0]?.close();
      await until(() => small.stats().connections === 2, 2_000, 'slot freed');
      const again = await TestClient.connect(small.url);
      held.push(again);
      await again.sync();
    } finally {
      for (const c of held) c.close();
      await small.close();
    }
  });

  it('times out idle sockets with IDLE_TIMEOUT and 4001; pings keep a socket alive', async () => {
    const small = await startRelay({ idleTimeoutMs: 1_000, sweepIntervalMs: 50 });
    const idle = await TestClient.connect(small.url);
    const busy = await TestClient.connect(small.url);
    try {
      const keepAlive = setInterval(() => busy.send({ type: 'ping' }), 100);
      try {
        expect(await idle.error(5_000)).toBe(RelayErrorCode.IDLE_TIMEOUT);
        expect((await idle.waitClosed()).code).toBe(RelayCloseCode.IDLE_TIMEOUT);
        await new Promise((r) => setTimeout(r, 300));
        expect(busy.ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        clearInterval(keepAlive);
      }
    } finally {
      idle.close();
      busy.close();
      await small.close();
    }
  });

  it('too many rooms → TOO_MANY_ROOMS', async () => {
    const small = await startRelay({ maxRooms: 1 });
    const a = await TestClient.connect(small.url);
    const b = await TestClient.connect(small.url);
    try {
      await a.join('only');
      b.send({ type: 'join', room: 'second' });
      expect(await b.error()).toBe(RelayErrorCode.TOO_MANY_ROOMS);
    } finally {
      a.close();
      b.close();
      await small.close();
    }
  });

  it('attaches to an existing HTTP server: upgrades on its path, health via handleHttp, other paths left alone', async () => {
    const ref: { relay?: RelayServer } = {};
    const host = http.createServer((req, res) => {
      if (ref.relay?.handleHttp(req, res)) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('page');
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()));
    const shared = await startRelay({ server: host, path: '/signal' });
    ref.relay = shared;
    const a = await TestClient.connect(shared.url);
    try {
      expect(shared.url).toMatch(/\/signal$/);
      expect(await (await fetch(`${shared.httpUrl}/`, { signal: AbortSignal.timeout(5_000) })).text()).toBe('page');
      const health = await fetch(`${shared.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
      expect(((await health.json()) as { connections: number }).connections).toBe(1);
      await a.sync();
      // No other upgrade handler: a wrong path is refused rather than left hanging.
      await expect(TestClient.connect(shared.httpUrl.replace('http', 'ws') + '/other', {}, 3_000)).rejects.toThrow(/404/);
      await shared.close();
      expect((await a.waitClosed()).code).toBe(RelayCloseCode.GOING_AWAY);
      // The host server is still up after the relay closed.
      expect(host.listening).toBe(true);
      expect(await (await fetch(`${shared.httpUrl}/`, { signal: AbortSignal.timeout(5_000) })).text()).toBe('page');
    } finally {
      a.close();
      await shared.close();
      host.closeAllConnections();
      await new Promise<void>((r) => host.close(() => r()));
    }
  });

  it('close() tells connected clients (SHUTTING_DOWN, 1001) and frees the port', async () => {
    const s = await startRelay();
    const c = await TestClient.connect(s.url);
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await c.error()).toBe(RelayErrorCode.SHUTTING_DOWN);
    expect((await c.waitClosed()).code).toBe(RelayCloseCode.GOING_AWAY);
    await expect(TestClient.connect(s.url, {}, 2_000)).rejects.toThrow();
    await s.closed;
  });
});
