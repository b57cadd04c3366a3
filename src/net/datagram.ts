/**
 * An unconnected UDP socket (node:dgram) that talks to any address: the relay probe's outside peer,
 * and the one socket the NAT discovery runs from (probes-node/nat-socket.ts).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { OpenResult } from './udp.js';

export interface Endpoint {
  address: string;
  port: number;
}

export interface DatagramSocket {
  readonly family: 4 | 6;
  readonly localPort: number;
  send(data: Buffer, to: Endpoint): void;
  /** Every datagram that arrives, with its source. Returns an unsubscribe function. */
  subscribe(listener: (data: Buffer, from: Endpoint) => void): () => void;
  close(): void;
}

/** Binds an ephemeral port on every address of the family. */
export function openDatagramSocket(family: 4 | 6): Promise<OpenResult<DatagramSocket>> {
  const started = performance.now();
  return new Promise((resolve) => {
    let sock: Socket;
    try {
      sock = createSocket(family === 6 ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
    } catch (e) {
      resolve({ ok: false, code: 'SOCKET_ERROR', detail: (e as Error).message, elapsedMs: 0 });
      return;
    }
    const listeners = new Set<(data: Buffer, from: Endpoint) => void>();
    let closed = false;
    sock.on('message', (data, rinfo) => {
      for (const l of [...listeners]) l(data, { address: rinfo.address, port: rinfo.port });
    });
    sock.once('error', (err) => {
      if (!closed) resolve({ ok: false, code: 'SOCKET_ERROR', detail: (err as NodeJS.ErrnoException).code ?? err.message, elapsedMs: performance.now() - started });
    });
    sock.bind(0, () => {
      // Later errors (e.g. ICMP unreachable on send) must not crash the process.
      sock.on('error', () => undefined);
      const socket: DatagramSocket = {
        family,
        localPort: sock.address().port,
        send(data, to) {
          if (!closed) sock.send(data, to.port, to.address, () => undefined);
        },
        subscribe(l) {
          listeners.add(l);
          return () => listeners.delete(l);
        },
        close() {
          if (closed) return;
          closed = true;
          listeners.clear();
          try {
            sock.close();
          } catch {
            /* already closed */
          }
        },
      };
      resolve({ ok: true, value: socket, connectMs: performance.now() - started });
    });
  });
}
