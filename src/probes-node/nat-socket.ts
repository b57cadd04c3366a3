/**
 * The one local UDP socket the NAT discovery runs from (RFC 5780 §4: every test must leave from
 * the same local address and port). Unconnected, so it can send to the server's primary and
 * alternate addresses and see where each answer came from. Injected: unit tests use a fake.
 */
import { networkInterfaces } from 'node:os';
import { openDatagramSocket } from '../net/datagram.js';
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

/**
 * A real dgram socket bound to the unspecified address and a free port: the net layer's datagram
 * socket, seen with STUN transport addresses. Rejects when the socket cannot be opened.
 */
export const openNatSocket: OpenNatSocket = async (family) => {
  const opened = await openDatagramSocket(family);
  if (!opened.ok) throw new Error(opened.detail);
  const sock = opened.value;
  const local: TransportAddress = { family, address: family === 6 ? '::' : '0.0.0.0', port: sock.localPort };
  return {
    family,
    local: () => local,
    localAddresses: () => interfaceAddresses(family),
    send: (data, to) => sock.send(data, to),
    subscribe: (l) => sock.subscribe((data, from) => l(data, { family, ...from })),
    close: () => sock.close(),
  };
};
