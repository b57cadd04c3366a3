import type { ChannelEvent, StunChannel } from '../../../src/net/channel.js';

/** A scripted channel: `onSend` decides what (if anything) comes back, synchronously or later. */
export class FakeChannel implements StunChannel {
  readonly sent: Buffer[] = [];
  private listeners = new Set<(e: ChannelEvent) => void>();
  closed = false;

  constructor(
    readonly reliable: boolean,
    private readonly onSend: (req: Buffer, n: number, ch: FakeChannel) => void = () => undefined,
  ) {}

  get transport() {
    return this.reliable ? ('tcp' as const) : ('udp' as const);
  }
  send(data: Buffer): void {
    this.sent.push(data);
    this.onSend(data, this.sent.length, this);
  }
  subscribe(l: (e: ChannelEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: ChannelEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
  close(): void {
    this.closed = true;
  }
}
