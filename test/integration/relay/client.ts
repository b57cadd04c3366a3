/** A plain `ws` test client for the relay: queued messages and bounded waits. */
import WebSocket from 'ws';
import type { ServerMessage } from '../../../src/servers/relay/protocol.js';
import { parseServerMessage } from '../../../src/servers/relay/protocol.js';

export class TestClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('relay sent a binary frame');
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) throw new Error(`relay sent a non-protocol message: ${data.toString()}`);
      this.received.push(parsed.message);
      for (const w of [...this.waiters]) {
        if (w.pred(parsed.message)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(parsed.message);
        }
      }
    });
  }

  static async connect(url: string, opts: WebSocket.ClientOptions = {}, timeoutMs = 5_000): Promise<TestClient> {
    const ws = new WebSocket(url, opts);
    const c = new TestClient(ws);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      timeoutMs,
      `connect ${url}`,
    );
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves with the first message (already received or future) matching `pred`. */
  next(pred: (m: ServerMessage) => boolean, timeoutMs = 5_000): Promise<ServerMessage> {
    const seen = this.received.find(pred);
    if (seen) {
      this.received.splice(this.received.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return withTimeout(
      new Promise<ServerMessage>((resolve) => {
        this.waiters.push({
          pred,
          resolve: (m) => {
            this.received.splice(this.received.indexOf(m), 1);
            resolve(m);
          },
        });
      }),
      timeoutMs,
      'waiting for a relay message',
    );
  }

  type<T extends ServerMessage['type']>(type: T, timeoutMs = 5_000): Promise<Extract<ServerMessage, { type: T }>> {
    return this.next((m) => m.type === type, timeoutMs) as Promise<Extract<ServerMessage, { type: T }>>;
  }

  async error(timeoutMs = 5_000): Promise<string> {
    const m = await this.type('error', timeoutMs);
    return m.code;
  }

  /** Round trip: everything the relay sent this client before the pong has arrived. */
  async sync(timeoutMs = 5_000): Promise<void> {
    this.send({ type: 'ping' });
    await this.type('pong', timeoutMs);
  }

  async join(room: string, token?: string): Promise<string> {
    this.send(token === undefined ? { type: 'join', room } : { type: 'join', room, token });
    const m = await this.next((x) => x.type === 'joined' || x.type === 'error');
    if (m.type !== 'joined') throw new Error(`join ${room} failed: ${JSON.stringify(m)}`);
    return m.peerId;
  }

  async waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return withTimeout(this.closed, timeoutMs, 'waiting for close');
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function until(cond: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout after ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
