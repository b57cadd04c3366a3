/**
 * The lab's DNS answers (RFC 1035 §4.1, AAAA RFC 3596), byte for byte, and what it does with
 * anything else. Pure: bytes in, bytes out.
 */
import { describe, expect, it } from 'vitest';
import { answerQuery, DnsType, parseQuestion, Rcode, type Zone } from '../../../src/services/lab/dns.js';

const zone: Zone = { 'turn.lab.test': { a: ['198.18.0.1'], aaaa: ['2001:db8::1'] } };

/** A standard query (RD set) for one name and type, as a stub resolver sends it. */
function query(name: string, type: number, id = 0x1234, flags = 0x0100): Buffer {
  const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([h, qname, tail]);
}

const QNAME = '04' + Buffer.from('turn').toString('hex') + '03' + Buffer.from('lab').toString('hex') + '04' + Buffer.from('test').toString('hex') + '00';

describe('answerQuery', () => {
  it('A: one answer, byte for byte', () => {
    const res = answerQuery(query('turn.lab.test', DnsType.A), zone);
    expect(res?.toString('hex')).toBe(
      '1234' + '8500' + '0001' + '0001' + '0000' + '0000' + // id, QR|AA|RD NOERROR, 1 question, 1 answer
        QNAME + '0001' + '0001' + // the question, echoed
        'c00c' + '0001' + '0001' + '0000003c' + '0004' + 'c6120001', // name pointer, A, IN, TTL 60, 198.18.0.1
    );
  });

  it('AAAA: the 16 address bytes', () => {
    const res = answerQuery(query('turn.lab.test', DnsType.AAAA, 0xbeef), zone);
    expect(res?.readUInt16BE(0)).toBe(0xbeef);
    expect(res?.readUInt16BE(6)).toBe(1);
    expect(res?.subarray(-18).toString('hex')).toBe('0010' + '20010db8000000000000000000000001');
  });

  it('names are case-insensitive (RFC 4343)', () => {
    expect(answerQuery(query('TURN.Lab.test', DnsType.A), zone)?.readUInt16BE(6)).toBe(1);
  });

  it('unknown name: NXDOMAIN; known name, other type: NOERROR without answers', () => {
    const nx = answerQuery(query('other.lab.test', DnsType.A), zone);
    expect((nx?.readUInt16BE(2) ?? 0) & 0x000f).toBe(Rcode.NXDOMAIN);
    expect(nx?.readUInt16BE(6)).toBe(0);
    const nodata = answerQuery(query('turn.lab.test', 16 /* TXT */), zone);
    expect((nodata?.readUInt16BE(2) ?? 0) & 0x000f).toBe(Rcode.NOERROR);
    expect(nodata?.readUInt16BE(6)).toBe(0);
  });

  it('not a standard query: NOTIMP; garbage: FORMERR; a response or a runt: dropped', () => {
    const iquery = answerQuery(query('turn.lab.test', DnsType.A, 1, 0x0900), zone);
    expect((iquery?.readUInt16BE(2) ?? 0) & 0x000f).toBe(Rcode.NOTIMP);
    const bad = Buffer.concat([query('turn.lab.test', DnsType.A).subarray(0, 12), Buffer.from([0xc0, 0x0c])]);
    expect((answerQuery(bad, zone)?.readUInt16BE(2) ?? 0) & 0x000f).toBe(Rcode.FORMERR);
    expect(answerQuery(query('turn.lab.test', DnsType.A, 1, 0x8180), zone)).toBeNull();
    expect(answerQuery(Buffer.alloc(5), zone)).toBeNull();
  });

  it('never throws on arbitrary bytes', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2_000; i++) {
      const b = Buffer.from(Array.from({ length: rnd() % 64 }, rnd));
      expect(() => answerQuery(b, zone)).not.toThrow();
      expect(() => parseQuestion(b)).not.toThrow();
    }
  });
});
