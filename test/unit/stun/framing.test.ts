import { describe, expect, it } from 'vitest';
import { Method, Rfc4571Deframer, StunStreamDeframer, encodeMessage, frameRfc4571, software } from '../../../src/stun/index.js';
import { prng } from './prng.js';

const msgs = [0, 1, 2, 3, 4].map((i) => encodeMessage({ method: Method.Binding, cls: 'request', attributes: [software('x'.repeat(i * 7))] }, { fingerprint: true }));
const channelData = Buffer.from([0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]);

function splitRandomly(stream: Buffer, rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < stream.length) {
    const n = 1 + Math.floor(rand() * 40);
    out.push(stream.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('StunStreamDeframer (RFC 8489 §6.2.2, RFC 8656 §12.5)', () => {
  it('reassembles partial and coalesced reads, 500 random splits', () => {
    const stream = Buffer.concat([msgs[0]!, channelData, ...msgs.slice(1)]);
    const rand = prng(3);
    for (let run = 0; run < 500; run++) {
      const d = new StunStreamDeframer({ channelData: true });
      const frames = splitRandomly(stream, rand).flatMap((c) => d.push(c));
      expect(frames.map((f) => f.kind)).toEqual(['stun', 'channel-data', 'stun', 'stun', 'stun', 'stun']);
      expect(Buffer.concat(frames.map((f) => f.data)).equals(stream)).toBe(true);
      expect(d.pending).toBe(0);
    }
  });
  it('holds an incomplete frame', () => {
    const d = new StunStreamDeframer();
    expect(d.push(msgs[2]!.subarray(0, 30))).toEqual([]);
    expect(d.pending).toBe(30);
    expect(d.push(msgs[2]!.subarray(30))).toHaveLength(1);
  });
  it.each([
    ['HTTP', Buffer.from('HTTP/1.1 400 Bad Request\r\n')],
    ['TLS alert', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
    ['no cookie', Buffer.from('000100000000000000000000000000000000000000', 'hex')],
  ])('%s becomes one garbage frame and the stream is then dead', (_n, bytes) => {
    const d = new StunStreamDeframer();
    const out = [...d.push(bytes), ...d.end()];
    expect(out).toHaveLength(1);
    expect(out[0]!.kind).toBe('garbage');
    expect(d.push(msgs[0]!)).toEqual([]);
  });
  it('garbage after a good frame still yields the good frame first', () => {
    const out = new StunStreamDeframer().push(Buffer.concat([msgs[1]!, Buffer.from('garbage!')]));
    expect(out.map((f) => f.kind)).toEqual(['stun', 'garbage']);
  });
});

describe('Rfc4571Deframer (RFC 4571 §2)', () => {
  it('frames and de-frames with random splits, including empty packets', () => {
    const packets = [...msgs, Buffer.alloc(0), Buffer.from('not even stun')];
    const stream = Buffer.concat(packets.map(frameRfc4571));
    const rand = prng(4);
    for (let run = 0; run < 500; run++) {
      const d = new Rfc4571Deframer();
      const frames = splitRandomly(stream, rand).flatMap((c) => d.push(c));
      expect(frames.map((f) => f.data.toString('hex'))).toEqual(packets.map((p) => p.toString('hex')));
    }
  });
});
