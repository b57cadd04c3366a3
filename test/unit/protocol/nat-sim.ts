/**
 * A simulated network for the NAT discovery's IO half: one client socket behind a NAT model
 * (RFC 4787 mapping and filtering, hairpinning, mapping timeout, scripted loss) and an RFC 5780
 * server on two IPs × two ports. Everything runs on a FakeClock, so no test sleeps.
 */
import type { FakeClock } from '../../../src/net/clock.js';
import type { NatSocket } from '../../../src/probes-node/nat-socket.js';
import type { NatBehaviour } from '../../../src/probes-node/nat-verdict.js';
import { AttributeType } from '../../../src/stun/attribute-types.js';
import type { TransportAddress } from '../../../src/stun/address.js';
import { addressAttribute, errorCode, readChangeRequest, valueOf } from '../../../src/stun/attributes.js';
import { Method } from '../../../src/stun/header.js';
import { decodeMessage, encodeMessage, getAttribute, type AttributeSpec } from '../../../src/stun/message.js';

export const SERVER_IPS = ['198.18.0.1', '198.18.0.2'] as const;
export const SERVER_PORTS = [3478, 3479] as const;
export const PUBLIC_IP = '198.18.0.10';
export const CLIENT_IP = '198.19.1.10';
export const CLIENT_PORT = 50_000;

export interface SimOptions {
  /** null: no NAT at all (the client's address is public, nothing filtered). */
  mapping: Exclude<NatBehaviour, 'unknown'> | null;
  filtering: Exclude<NatBehaviour, 'unknown'>;
  hairpin?: boolean;
  /** A mapping idle (no outbound packet) longer than this is dropped; the next one gets a new port. */
  mappingTimeoutMs?: number;
  /** Server: RFC 5780 support (OTHER-ADDRESS; CHANGE-REQUEST honoured). Default true. */
  rfc5780?: boolean;
  /** Server: answers CHANGE-REQUEST from the address it was sent to. */
  ignoreChangeRequest?: boolean;
  /** Server: 420 to CHANGE-REQUEST even though it sends OTHER-ADDRESS. */
  rejectChangeRequest?: boolean;
  /** Server: the second IP never answers (firewalled). */
  altIpDead?: boolean;
  /** Drop this datagram? n counts every datagram in either direction, from 1. */
  drop?: (d: { n: number; dir: 'out' | 'in'; from: TransportAddress; to: TransportAddress; data: Buffer }) => boolean;
  /** One-way delay, ms. */
  delayMs?: number;
}

const key = (a: TransportAddress) => `${a.address}:${a.port}`;
const v4 = (address: string, port: number): TransportAddress => ({ family: 4, address, port });

interface Mapping {
  publicPort: number;
  sentTo: Set<string>;
  sentToIp: Set<string>;
  lastOut: number;
}

export class SimNet {
  readonly log: { dir: 'out' | 'in'; from: string; to: string; dropped: boolean }[] = [];
  private n = 0;
  private nextPort = 40_000;
  private mappings = new Map<string, Mapping>();
  private listeners = new Set<(data: Buffer, from: TransportAddress) => void>();
  /** Sockets other than the main one (lifetime test Y), by local port. */
  private extra = new Map<number, Set<(data: Buffer, from: TransportAddress) => void>>();
  private nextLocal = CLIENT_PORT + 1;

  constructor(
    readonly clock: FakeClock,
    readonly o: SimOptions,
  ) {}

  socket(localPort = CLIENT_PORT): NatSocket {
    const listeners = localPort === CLIENT_PORT ? this.listeners : (this.extra.get(localPort) ?? new Set());
    if (localPort !== CLIENT_PORT) this.extra.set(localPort, listeners);
    return {
      family: 4,
      local: () => v4('0.0.0.0', localPort),
      localAddresses: () => ['127.0.0.1', CLIENT_IP],
      send: (data, to) => this.fromClient(localPort, data, to),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      close: () => listeners.clear(),
    };
  }

  /** For the lifetime test's second socket. */
  openSocket = async () => this.socket(this.nextLocal++);

  private later(fn: () => void) {
    this.clock.setTimer(fn, this.o.delayMs ?? 5);
  }

  private dropped(dir: 'out' | 'in', from: TransportAddress, to: TransportAddress, data: Buffer): boolean {
    this.n++;
    const d = this.o.drop?.({ n: this.n, dir, from, to, data }) ?? false;
    this.log.push({ dir, from: key(from), to: key(to), dropped: d });
    return d;
  }

  private mappingKey(localPort: number, to: TransportAddress): string {
    switch (this.o.mapping) {
      case 'endpoint-independent':
        return `${localPort}`;
      case 'address-dependent':
        return `${localPort}|${to.address}`;
      default:
        return `${localPort}|${key(to)}`;
    }
  }

  private fromClient(localPort: number, data: Buffer, to: TransportAddress) {
    const now = this.clock.now();
    let src: TransportAddress;
    if (this.o.mapping === null) src = v4(CLIENT_IP, localPort);
    else {
      const k = this.mappingKey(localPort, to);
      let m = this.mappings.get(k);
      if (m && this.o.mappingTimeoutMs !== undefined && now - m.lastOut > this.o.mappingTimeoutMs) {
        this.mappings.delete(k);
        m = undefined;
      }
      if (!m) {
        m = { publicPort: this.nextPort++, sentTo: new Set(), sentToIp: new Set(), lastOut: now };
        this.mappings.set(k, m);
      }
      m.lastOut = now;
      m.sentTo.add(key(to));
      m.sentToIp.add(to.address);
      src = v4(PUBLIC_IP, m.publicPort);
    }
    if (this.dropped('out', src, to, data)) return;
    if (to.address === PUBLIC_IP) {
      // Hairpinning: back in through the NAT's own public address.
      // (Modelled as the NAT looping it straight back to the mapped socket, whatever its filter.)
      if (this.o.hairpin) this.later(() => this.deliver(data, src, CLIENT_PORT));
      return;
    }
    this.later(() => this.server(data, src, to));
  }

  /** Inbound through the NAT's filter to the client socket. */
  private toClient(data: Buffer, from: TransportAddress, to: TransportAddress) {
    if (this.dropped('in', from, to, data)) return;
    let localPort: number | null = null;
    if (this.o.mapping === null) localPort = to.port;
    else {
      const now = this.clock.now();
      for (const [k, m] of this.mappings) {
        if (m.publicPort !== to.port) continue;
        if (this.o.mappingTimeoutMs !== undefined && now - m.lastOut > this.o.mappingTimeoutMs) continue;
        const f = this.o.filtering;
        const allowed = f === 'endpoint-independent' || (f === 'address-dependent' ? m.sentToIp.has(from.address) : m.sentTo.has(key(from)));
        if (allowed) localPort = Number(k.split('|')[0]);
      }
    }
    if (localPort === null) return;
    this.deliver(data, from, localPort);
  }

  private deliver(data: Buffer, from: TransportAddress, localPort: number) {
    const ls = localPort === CLIENT_PORT ? this.listeners : this.extra.get(localPort);
    for (const l of [...(ls ?? [])]) l(data, from);
  }

  private server(data: Buffer, from: TransportAddress, at: TransportAddress) {
    const ipIndex = SERVER_IPS.indexOf(at.address as (typeof SERVER_IPS)[number]);
    const portIndex = SERVER_PORTS.indexOf(at.port as (typeof SERVER_PORTS)[number]);
    if (ipIndex < 0 || portIndex < 0) return;
    if (this.o.altIpDead && ipIndex === 1) return;
    const d = decodeMessage(data);
    if (!d.ok || d.message.cls !== 'request' || d.message.method !== Method.Binding) return;
    const m = d.message;
    const rfc5780 = this.o.rfc5780 ?? true;
    const change = valueOf(readChangeRequest(m));
    const respond = (attrs: AttributeSpec[], cls: 'success' | 'error', src: TransportAddress, dst: TransportAddress) => {
      const out = encodeMessage({ method: Method.Binding, cls, transactionId: m.transactionId, attributes: attrs }, { fingerprint: true });
      this.later(() => {
        if (this.o.altIpDead && src.address === SERVER_IPS[1]) return;
        this.toClient(out, src, dst);
      });
    };
    if (change && (change.changeIp || change.changePort) && (!rfc5780 || this.o.rejectChangeRequest)) {
      return respond([errorCode({ code: 420, reason: 'Unknown Attribute' })], 'error', at, from);
    }
    let src = at;
    if (change && !this.o.ignoreChangeRequest) {
      src = v4(change.changeIp ? SERVER_IPS[1 - ipIndex]! : at.address, change.changePort ? SERVER_PORTS[1 - portIndex]! : at.port);
    }
    const rp = getAttribute(m, 0x0027);
    const dst = rp && rfc5780 ? v4(from.address, rp.value.readUInt16BE(0)) : from;
    const attrs: AttributeSpec[] = [addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, from, m.transactionId)];
    if (rfc5780) {
      attrs.push(addressAttribute(AttributeType.RESPONSE_ORIGIN, src, m.transactionId));
      attrs.push(addressAttribute(AttributeType.OTHER_ADDRESS, v4(SERVER_IPS[1 - ipIndex]!, SERVER_PORTS[1 - portIndex]!), m.transactionId));
    }
    respond(attrs, 'success', src, dst);
  }
}

/** Run a promise to completion on a FakeClock, advancing time in steps; bounded. */
export async function drive<T>(clock: FakeClock, p: Promise<T>, maxMs = 3_600_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => {
      done = true;
      value = v;
    },
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  const start = clock.now();
  while (!done) {
    if (clock.now() - start > maxMs) throw new Error(`did not finish within ${maxMs} ms of fake time`);
    await clock.next(1_000);
  }
  if (error) throw error;
  return value as T;
}
