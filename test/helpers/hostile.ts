/**
 * Tiny misbehaving servers on loopback for protocol tests: each answers (or not) in one
 * specific wrong way. Every server has a close() that the test calls in afterAll/finally.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export interface Hostile {
  port: number;
  close: () => Promise<void>;
  /** Requests received, for assertions on retransmissions. */
  received: Buffer[];
}

export async function udpServer(answer: (req: Buffer) => Buffer | Buffer[] | null): Promise<Hostile> {
  const sock = createSocket('udp4');
  const received: Buffer[] = [];
  sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    received.push(msg);
    const out = answer(msg);
    for (const b of out === null ? [] : Array.isArray(out) ? out : [out]) sock.send(b, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, received, close: () => new Promise((r) => sock.close(() => r())) };
}

function track(server: { close(cb: () => void): unknown }, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
}

export async function tcpServer(onData: (sock: Socket, data: Buffer) => void, onConnect?: (sock: Socket) => void): Promise<Hostile> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      received.push(d);
      onData(sock, d);
    });
    onConnect?.(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, received, close: track(server, sockets) };
}

export async function tlsServer(certFiles: { cert: string; key: string }, onData: (sock: TLSSocket, data: Buffer) => void): Promise<Hostile> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const server = createTlsServer({ cert: readFileSync(certFiles.cert), key: readFileSync(certFiles.key) }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      received.push(d);
      onData(sock, d);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, received, close: track(server, sockets) };
}

/** A port that was free a moment ago and has no listener (TCP and UDP). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
