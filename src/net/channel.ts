/**
 * A STUN channel: one connected datagram socket or one byte stream with STUN framing. The
 * transaction logic sees only this interface; tests substitute a scripted fake.
 */
import type { Transport } from '../core/schema.js';

export type NetErrorCode = 'CONNECTION_REFUSED' | 'CONNECTION_RESET' | 'NETWORK_UNREACHABLE' | 'SOCKET_ERROR';

export type ChannelEvent =
  | { kind: 'frame'; data: Buffer }
  | { kind: 'garbage'; data: Buffer; problem: string }
  | { kind: 'error'; code: NetErrorCode; detail: string }
  | { kind: 'closed' };

export interface StunChannel {
  readonly transport: Transport;
  /** TCP/TLS: no retransmission (RFC 8489 §6.2.2). */
  readonly reliable: boolean;
  send(data: Buffer): void;
  subscribe(listener: (e: ChannelEvent) => void): () => void;
  close(): void;
}

/** Map a Node socket error to a stable net code. */
export function netErrorCode(err: unknown): NetErrorCode {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'CONNECTION_RESET';
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL') return 'NETWORK_UNREACHABLE';
  return 'SOCKET_ERROR';
}

/** A small fan-out used by the real channels. */
export class Listeners {
  private readonly set = new Set<(e: ChannelEvent) => void>();
  private backlog: ChannelEvent[] = [];

  add(l: (e: ChannelEvent) => void): () => void {
    this.set.add(l);
    // Events that arrived with nobody listening (e.g. a close between transactions) are replayed.
    const pending = this.backlog;
    this.backlog = [];
    for (const e of pending) l(e);
    return () => this.set.delete(l);
  }

  emit(e: ChannelEvent): void {
    if (this.set.size === 0) {
      if (e.kind !== 'frame') this.backlog.push(e);
      return;
    }
    for (const l of [...this.set]) l(e);
  }
}
