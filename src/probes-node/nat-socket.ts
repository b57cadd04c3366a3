/**
 * The one local UDP socket the NAT discovery runs from (RFC 5780 §4: every test must leave from
 * the same local address and port). Unconnected, so it can send to the server's primary and
 * alternate addresses and see where each answer came from. Injected: unit tests use a fake.
 */
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { TransportAddress } from '../stun/address.js';

export interface NatSocket {
  readonly family: 4 | 6;
  /** The bound address and port. */
  local(): TransportAddress;
  /** Addresses of this family on this host's interfaces (to tell "no NAT"). */
  localAddresses(): string[];
  send(data: Buffer, to: TransportAddress): void;
  /** Every datagram, with its source. Returns an unsubscribe function. */
  subscribe(listener: (data: Buffer, from: TransportAddress) => void): () => void;
  close(): void;
}

export type OpenNatSocket = (family: 4 | 6) => Promise<NatSocket>;

/** Host interface addresses of one family (link-local IPv6 without zone ids are left out). */
export function interfaceAddresses(family: 4 | 6): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if ((family === 4 && a.family === 'IPv4') || (family === 6 && a.family === 'IPv6')) out.push(a.address);
    }
  }
  return out;
}

/** A real dgram socket bound to the unspecified address and a free port. */
export const openNatSocket: OpenNatSocket = (family) =>
  new Promise((resolve, reject) => {
    let sock: Socket;
    try {
      sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ...(family === 6 ? { ipv6Only: true } : {}) });
    } catch (e) {
      reject(e as Error);
      return;
    }
    const listeners = new Set<(data: Buffer, from: TransportAddress) => void>();
    let closed = false;
    sock.on('message', (data, rinfo) => {
      const from: TransportAddress = { family: rinfo.family === 'IPv6' ? 6 : 4, address: rinfo.address, port: rinfo.port };
      for (const l of [...listeners]) l(data, from);
    });
    // Unconnected UDP: ICMP errors are not reported per destination; an error here is local.
    sock.on('error', () => undefined);
    sock.once('error', reject);
    sock.bind(0, family === 6 ? '::' : '0.0.0.0', () => {
      sock.removeListener('error', reject);
      const a = sock.address();
      resolve({
        family,
        local: () => ({ family, address: a.address, port: a.port }),
        localAddresses: () => interfaceAddresses(family),
        send(data, to) {
          if (closed) return;
          sock.send(data, to.port, to.address, () => undefined);
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
      });
    });
  });
