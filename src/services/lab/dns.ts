/**
 * The lab's DNS server: A and AAAA answers for the lab server's name, so dual-stack scenarios
 * can address the TURN server by name the way real deployments do. Chromium resolves STUN/TURN
 * names for WebRTC with its own DNS client, which needs a name server (a hosts file is not
 * enough), so the lab runs this one in its internet namespace.
 *
 * `answerQuery` is pure (a query's bytes in, the response's bytes out; RFC 1035 §4.1, AAAA
 * RFC 3596); run as a program, this module serves it over UDP: `node dns.js <ip> <port> <zone-json>`.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../../core/lifecycle.js';
import { ipToBytes } from '../../stun/address.js';
import { packageRoot } from './scenario.js';

/** RFC 1035 §3.2.2 / RFC 3596 §2.1. */
export const DnsType = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;
/** RFC 1035 §4.1.1 RCODE. */
export const Rcode = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4 } as const;
const TTL_S = 60;

/** name (lower case, no trailing dot) → its addresses. */
export type Zone = Record<string, { a: string[]; aaaa: string[] }>;

interface Question {
  name: string;
  type: number;
  cls: number;
  /** Where the question section ends (the answer section follows). */
  end: number;
}

/** The first question of a query; null when the bytes are not a well-formed one. */
export function parseQuestion(q: Uint8Array): Question | null {
  const b = Buffer.from(q);
  if (b.length < 12 || b.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    const len = b[off];
    if (len === undefined || (len & 0xc0) !== 0) return null; // no compression in a question we accept
    off += 1;
    if (len === 0) break;
    if (off + len > b.length) return null;
    labels.push(b.toString('latin1', off, off + len).toLowerCase());
    off += len;
  }
  if (off + 4 > b.length) return null;
  return { name: labels.join('.'), type: b.readUInt16BE(off), cls: b.readUInt16BE(off + 2), end: off + 4 };
}

/**
 * The response to a query: the zone's A or AAAA records for the name (NOERROR, maybe no
 * answers: NODATA), NXDOMAIN for a name the zone lacks, NOTIMP for anything but a standard
 * query. null for bytes that are not a query at all (a server drops those).
 */
export function answerQuery(query: Uint8Array, zone: Zone): Buffer | null {
  const b = Buffer.from(query);
  if (b.length < 12 || (b.readUInt16BE(2) & 0x8000) !== 0) return null; // too short, or a response
  const q = parseQuestion(b);
  const opcode = (b.readUInt16BE(2) >> 11) & 0x0f;
  const rd = b.readUInt16BE(2) & 0x0100;
  const header = (rcode: number, answers: number, questionEnd: number) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(b.readUInt16BE(0), 0); // ID
    h.writeUInt16BE(0x8000 | 0x0400 | rd | rcode, 2); // QR, AA, RD as asked, RCODE
    h.writeUInt16BE(questionEnd > 12 ? 1 : 0, 4);
    h.writeUInt16BE(answers, 6);
    return Buffer.concat([h, b.subarray(12, questionEnd)]);
  };
  if (!q) return header(Rcode.FORMERR, 0, 12);
  if (opcode !== 0) return header(Rcode.NOTIMP, 0, q.end);
  const entry = zone[q.name];
  if (!entry) return header(Rcode.NXDOMAIN, 0, q.end);
  const addresses = q.cls !== CLASS_IN ? [] : q.type === DnsType.A ? entry.a : q.type === DnsType.AAAA ? entry.aaaa : [];
  const rrs = addresses.flatMap((ip) => {
    const data = ipToBytes(ip);
    if (!data || data.length !== (q.type === DnsType.A ? 4 : 16)) return [];
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's (RFC 1035 §4.1.4)
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(TTL_S, 6);
    rr.writeUInt16BE(data.length, 10);
    return [Buffer.concat([rr, data])];
  });
  return Buffer.concat([header(Rcode.NOERROR, rrs.length, q.end), ...rrs]);
}

export interface LabDns {
  stop: () => Promise<void>;
}

/** Serves `zone` on ip:port (UDP) inside a namespace until stopped; resolves once it listens. */
export async function startLabDns(ns: string, ip: string, port: number, zone: Zone, timeoutMs = 5_000): Promise<LabDns> {
  // The compiled module (tests import this file as TypeScript; the lab runs dist/ anyway).
  const script = join(packageRoot(), 'dist', 'src', 'services', 'lab', 'dns.js');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script, ip, String(port), JSON.stringify(zone)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => void child.kill('SIGKILL');
  const unregister = registerCleanup('lab-dns', kill, kill);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab DNS did not start on ${ip}:${port} within ${timeoutMs} ms`)), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`lab DNS exited at start: ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
      });
    });
  } catch (e) {
    kill();
    unregister();
    throw e;
  }
  return {
    stop: async () => {
      kill();
      await exited;
      unregister();
    },
  };
}

function serve(ip: string, port: number, zone: Zone): void {
  const sock = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, from) => {
    const res = answerQuery(msg, zone);
    if (res) sock.send(res, from.port, from.address);
  });
  sock.on('error', (e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  });
  sock.bind(port, ip, () => process.stdout.write('READY\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [ip, port, zone] = process.argv.slice(2);
  if (!ip || !port || !zone) {
    process.stderr.write('usage: dns.js <ip> <port> <zone-json>\n');
    process.exit(2);
  }
  serve(ip, Number(port), JSON.parse(zone) as Zone);
}
