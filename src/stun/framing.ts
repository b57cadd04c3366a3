/**
 * Framing STUN over byte streams.
 *
 * - RFC 4571 §2: each packet is preceded by a 16-bit length (ICE-TCP, RFC 6544).
 *   `Rfc4571Deframer` / `frameRfc4571`.
 * - RFC 8489 §6.2.2 / RFC 8656 §12.5: STUN and TURN over TCP/TLS carry no extra framing; a
 *   STUN message delimits itself by its header length (20 + length), ChannelData
 *   (first two bits 01) by its 4-byte header, padded to 4 over streams. `StunStreamDeframer`.
 *
 * Both handle partial and coalesced reads. A stream that is not STUN (first bits 10/11, bad
 * cookie) yields one `garbage` frame with what was buffered and then nothing more: after the
 * first unframeable byte nothing in the stream can be trusted.
 */
import { HEADER_LENGTH, MAGIC_COOKIE } from './header.js';

export type StreamFrame = { kind: 'stun' | 'channel-data' | 'packet'; data: Buffer } | { kind: 'garbage'; data: Buffer; problem: string };

export function frameRfc4571(packet: Uint8Array): Buffer {
  if (packet.length > 0xffff) throw new RangeError('RFC 4571 frames carry at most 65535 bytes');
  const out = Buffer.alloc(2 + packet.length);
  out.writeUInt16BE(packet.length, 0);
  out.set(packet, 2);
  return out;
}

abstract class Deframer {
  protected buf: Buffer = Buffer.alloc(0);
  protected poisoned = false;

  push(chunk: Uint8Array): StreamFrame[] {
    if (this.poisoned) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: StreamFrame[] = [];
    for (;;) {
      const next = this.next();
      if (next === null) break;
      out.push(next);
      if (next.kind === 'garbage') {
        this.poisoned = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return out;
  }

  /** The stream ended: bytes still held are a truncated frame, reported as garbage. */
  end(): StreamFrame[] {
    if (this.poisoned || this.buf.length === 0) return [];
    const g = this.garbage(`stream ended inside a frame (${this.buf.length} bytes held)`);
    this.poisoned = true;
    this.buf = Buffer.alloc(0);
    return [g];
  }

  /** Bytes held that do not make a whole frame yet. */
  get pending(): number {
    return this.buf.length;
  }

  protected take(n: number): Buffer {
    const data = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return data;
  }

  protected garbage(problem: string): StreamFrame {
    return { kind: 'garbage', data: Buffer.from(this.buf), problem };
  }

  protected abstract next(): StreamFrame | null;
}

export class Rfc4571Deframer extends Deframer {
  protected next(): StreamFrame | null {
    if (this.buf.length < 2) return null;
    const len = this.buf.readUInt16BE(0);
    if (this.buf.length < 2 + len) return null;
    this.take(2);
    return { kind: 'packet', data: this.take(len) };
  }
}

export class StunStreamDeframer extends Deframer {
  /**
   * ChannelData is only expected after a ChannelBind (RFC 8656 §12); without it, a first byte
   * with bits 01 (e.g. "H" of "HTTP/1.1") is garbage rather than a frame to wait for.
   */
  constructor(private readonly opts: { channelData?: boolean } = {}) {
    super();
  }

  protected next(): StreamFrame | null {
    if (this.buf.length === 0) return null;
    const top = this.buf[0]! >> 6;
    if (top === 0b00) {
      // STUN: validate as much of the header as is here, so garbage is recognised early.
      if (this.buf.length >= 8 && this.buf.readUInt32BE(4) !== MAGIC_COOKIE) return this.garbage('no STUN magic cookie');
      if (this.buf.length < 4) return null;
      const len = this.buf.readUInt16BE(2);
      if (len % 4 !== 0) return this.garbage(`STUN length ${len} is not a multiple of 4`);
      if (this.buf.length < HEADER_LENGTH + len) return null;
      return { kind: 'stun', data: this.take(HEADER_LENGTH + len) };
    }
    if (top === 0b01 && this.opts.channelData && this.buf[0]! <= 0x4f) {
      // ChannelData (RFC 8656 §12.4), padded to a multiple of 4 over TCP (§12.5).
      if (this.buf.length < 4) return null;
      const len = this.buf.readUInt16BE(2);
      const total = 4 + ((len + 3) & ~3);
      if (this.buf.length < total) return null;
      return { kind: 'channel-data', data: this.take(total) };
    }
    return this.garbage(`first byte 0x${this.buf[0]!.toString(16).padStart(2, '0')} starts neither STUN nor ChannelData`);
  }
}
