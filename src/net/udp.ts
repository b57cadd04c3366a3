/** A connected UDP socket as a StunChannel (node:dgram). */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { Listeners, netErrorCode, type StunChannel } from './channel.js';

export type OpenResult<T> =
  | { ok: true; value: T; connectMs: number }
  /** `tcpConnectMs`: set when a TLS open failed after its TCP connect had succeeded (the port is open). */
  | { ok: false; code: string; detail: string; elapsedMs: number; tcpConnectMs?: number };

export function openUdp(address: string, port: number): Promise<OpenResult<StunChannel>> {
  const started = performance.now();
  return new Promise((resolve) => {
    let sock: Socket;
    try {
      sock = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    } catch (e) {
      resolve({ ok: false, code: 'SOCKET_ERROR', detail: (e as Error).message, elapsedMs: 0 });
      return;
    }
    const listeners = new Listeners();
    let closed = false;
    const channel: StunChannel = {
      transport: 'udp',
      reliable: false,
      send(data) {
        if (closed) return;
        // With a connected socket, an ICMP port unreachable surfaces as ECONNREFUSED here or on 'error'.
        sock.send(data, (err) => {
          if (err) listeners.emit({ kind: 'error', code: netErrorCode(err), detail: `${(err as NodeJS.ErrnoException).code ?? err.message} on send` });
        });
      },
      subscribe: (l) => listeners.add(l),
      close() {
        if (closed) return;
        closed = true;
        try {
          sock.close();
        } catch {
          /* already closed */
        }
      },
    };
    sock.on('message', (data) => listeners.emit({ kind: 'frame', data }));
    sock.on('error', (err) => listeners.emit({ kind: 'error', code: netErrorCode(err), detail: (err as NodeJS.ErrnoException).code ?? err.message }));
    sock.connect(port, address, () => resolve({ ok: true, value: channel, connectMs: performance.now() - started }));
    sock.once('error', (err) => resolve({ ok: false, code: netErrorCode(err), detail: (err as NodeJS.ErrnoException).code ?? err.message, elapsedMs: performance.now() - started }));
  });
}
