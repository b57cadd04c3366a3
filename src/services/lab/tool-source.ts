/**
 * A tiny self-contained measuring tool that runs INSIDE a lab namespace as
 * `node --input-type=module -e <LAB_TOOL_SOURCE> <mode> …` (so it needs no build step and
 * shares no code with iceprobe's own probes: it is the lab's independent ground truth).
 * Every mode is bounded by its own timer and prints one JSON line on stdout; listening modes
 * print `READY` first.
 *
 *   stun-udp <bindPort> <timeoutMs> <ip:port>...   one socket, a Binding to each target (RFC 8489)
 *   stun-tcp <ip:port> <timeoutMs>                 one Binding over TCP
 *   tcp-send|tcp-recv <listen|connect> <ip> <port> <durationMs>   throughput (receiver reports)
 *   udp-send|udp-recv <listen|connect> <ip> <port> <count> <timeoutMs>   loss (receiver reports)
 *   punch <stunIp:port> <windowMs>                 hole punching: prints MAPPED, reads the peer's
 *                                                  mapping on stdin, sends to it, reports what arrived
 */
export const LAB_TOOL_SOURCE = String.raw`
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
const [mode, ...a] = process.argv.slice(1);
const out = (o) => { process.stdout.write(JSON.stringify(o) + '\n'); };
const hp = (s) => { const i = s.lastIndexOf(':'); return [s.slice(0, i), Number(s.slice(i + 1))]; };
const bail = setTimeout(() => { out({ fatal: 'tool timeout' }); process.exit(3); }, 60000);
bail.unref();

function bindingRequest() {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0); b.writeUInt16BE(0, 2); b.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(b, 8);
  return b;
}
// XOR-MAPPED-ADDRESS (0x0020), IPv4 or IPv6 (RFC 5952 text); null when absent or not a success response.
function mapped(buf, txid) {
  if (buf.length < 20 || buf.readUInt16BE(0) !== 0x0101 || !buf.subarray(8, 20).equals(txid)) return null;
  let off = 20; const end = 20 + buf.readUInt16BE(2);
  while (off + 4 <= end && off + 4 <= buf.length) {
    const t = buf.readUInt16BE(off), l = buf.readUInt16BE(off + 2);
    if (t === 0x0020 && buf[off + 5] === 1) {
      const port = buf.readUInt16BE(off + 6) ^ 0x2112;
      const x = buf.readUInt32BE(off + 8) ^ 0x2112a442;
      return { address: [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.'), port };
    }
    if (t === 0x0020 && buf[off + 5] === 2 && l >= 20) {
      const port = buf.readUInt16BE(off + 6) ^ 0x2112;
      const key = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), txid]);
      const ip = Buffer.from(buf.subarray(off + 8, off + 24).map((v, i) => v ^ key[i]));
      const full = Array.from({ length: 8 }, (_, i) => ip.readUInt16BE(i * 2).toString(16)).join(':');
      return { address: new URL('http://[' + full + ']/').hostname.slice(1, -1), port };
    }
    off += 4 + l + ((4 - (l % 4)) % 4);
  }
  return null;
}

async function stunUdp(bindPort, timeoutMs, targets) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(bindPort, r));
  const start = Date.now();
  const pending = targets.map((t) => ({ target: t, req: bindingRequest(), mapped: null, rttMs: null }));
  s.on('message', (m) => {
    for (const p of pending) {
      if (p.mapped) continue;
      const x = mapped(m, p.req.subarray(8, 20));
      if (x) { p.mapped = x; p.rttMs = Date.now() - start; }
    }
  });
  const send = () => { for (const p of pending) if (!p.mapped) { const [h, port] = hp(p.target); s.send(p.req, port, h); } };
  send();
  const iv = setInterval(send, 250);
  while (Date.now() - start < timeoutMs && pending.some((p) => !p.mapped)) await new Promise((r) => setTimeout(r, 20));
  clearInterval(iv);
  out({ localPort: s.address().port, results: pending.map(({ target, mapped, rttMs }) => ({ target, mapped, rttMs })) });
  s.close();
}

function stunTcp(target, timeoutMs) {
  const [h, port] = hp(target);
  const req = bindingRequest();
  const start = Date.now();
  const c = net.connect({ host: h, port });
  let buf = Buffer.alloc(0); let done = false;
  const finish = (o) => { if (done) return; done = true; clearTimeout(t); out({ target, ...o, ms: Date.now() - start }); c.destroy(); };
  const t = setTimeout(() => finish({ mapped: null, error: 'timeout' }), timeoutMs);
  c.on('connect', () => c.write(req));
  c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 20 && buf.length >= 20 + buf.readUInt16BE(2)) finish({ mapped: mapped(buf, req.subarray(8, 20)), error: null }); });
  c.on('error', (e) => finish({ mapped: null, error: e.code || e.message }));
}

function tcpEnds(role, ip, port, onSocket) {
  if (role === 'listen') {
    const srv = net.createServer((sock) => { srv.close(); onSocket(sock); });
    srv.listen(port, ip, () => process.stdout.write('READY\n'));
    return;
  }
  const c = net.connect({ host: ip, port }, () => onSocket(c));
  c.on('error', (e) => { out({ fatal: e.code || e.message }); process.exit(2); });
}

function tcpSend(role, ip, port, durationMs) {
  tcpEnds(role, ip, port, (sock) => {
    const chunk = Buffer.alloc(65536, 7);
    const until = Date.now() + durationMs + 10000;
    let open = true;
    sock.on('error', () => { open = false; }); sock.on('close', () => { open = false; out({ sent: true }); process.exit(0); });
    const pump = () => { while (open && Date.now() < until) { if (!sock.write(chunk)) return; } if (open) sock.end(); };
    sock.on('drain', pump); pump();
  });
}

function tcpRecv(role, ip, port, durationMs) {
  const warmMs = Math.min(500, durationMs / 4);
  tcpEnds(role, ip, port, (sock) => {
    let first = 0, bytes = 0, warmBytes = 0, last = 0;
    const stop = () => {
      const windowMs = last - first - warmMs;
      out({ bytes, durationMs: last - first, bitsPerSecond: windowMs > 0 ? ((bytes - warmBytes) * 8 * 1000) / windowMs : 0 });
      sock.destroy(); process.exit(0);
    };
    sock.on('data', (d) => {
      const now = Date.now();
      if (!first) { first = now; setTimeout(stop, durationMs); }
      if (now - first <= warmMs) warmBytes += d.length;
      bytes += d.length; last = now;
    });
    sock.on('error', () => {}); sock.on('end', stop);
  });
}

async function udpBlast(s, count, ip, port) {
  for (let seq = 0; seq < count; seq++) {
    const b = Buffer.alloc(200); b.write('DATA', 0); b.writeUInt32BE(seq, 4); b.writeUInt32BE(count, 8);
    s.send(b, port, ip);
    if (seq % 20 === 19) await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 200));
}

function udpSend(role, ip, port, count) {
  const s = dgram.createSocket('udp4');
  if (role === 'connect') { s.bind(0, async () => { await udpBlast(s, count, ip, port); out({ sent: count }); s.close(); }); return; }
  let started = false;
  s.on('message', async (m, rinfo) => {
    if (started || m.toString('latin1', 0, 5) !== 'HELLO') return;
    started = true; await udpBlast(s, count, rinfo.address, rinfo.port); out({ sent: count }); s.close();
  });
  s.bind(port, ip, () => process.stdout.write('READY\n'));
}

function udpRecv(role, ip, port, count, timeoutMs) {
  const s = dgram.createSocket('udp4');
  const seen = new Set(); let lastAt = 0; let hello = null;
  const finish = () => { clearInterval(hello); clearInterval(check); out({ expected: count, received: seen.size, lossPercent: (100 * (count - seen.size)) / count }); s.close(); };
  const start = Date.now();
  const check = setInterval(() => { const now = Date.now(); if ((lastAt && now - lastAt > 700) || now - start > timeoutMs || seen.size === count) finish(); }, 50);
  s.on('message', (m) => { if (m.toString('latin1', 0, 4) === 'DATA') { seen.add(m.readUInt32BE(4)); lastAt = Date.now(); clearInterval(hello); } });
  if (role === 'connect') s.bind(0, () => { const h = () => s.send(Buffer.from('HELLO'), port, ip); h(); hello = setInterval(h, 100); });
  else s.bind(port, ip, () => process.stdout.write('READY\n'));
}

async function punch(stun, windowMs) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, r));
  const req = bindingRequest(); const [sh, sp] = hp(stun);
  let me = null; let from = null; let acked = false;
  s.on('message', (m, r) => {
    if (!me) { const x = mapped(m, req.subarray(8, 20)); if (x) { me = x; return; } }
    const txt = m.toString('latin1', 0, 5);
    if (txt === 'PUNCH') { from = r.address + ':' + r.port; s.send(Buffer.from('ACKED'), r.port, r.address); }
    if (txt === 'ACKED') acked = true;
  });
  const t0 = Date.now();
  while (!me && Date.now() - t0 < 3000) { s.send(req, sp, sh); await new Promise((r) => setTimeout(r, 200)); }
  if (!me) { out({ fatal: 'no STUN mapping' }); process.exit(2); }
  process.stdout.write('MAPPED ' + me.address + ':' + me.port + '\n');
  const peer = await new Promise((resolve) => {
    let b = ''; process.stdin.on('data', (d) => { b += d; const i = b.indexOf('\n'); if (i >= 0) resolve(b.slice(0, i).trim()); });
  });
  const [ph, pp] = hp(peer);
  const end = Date.now() + windowMs;
  while (Date.now() < end) { s.send(Buffer.from('PUNCH'), pp, ph); await new Promise((r) => setTimeout(r, 50)); }
  out({ mapped: me, peer, receivedFrom: from, acked });
  s.close(); process.exit(0);
}

const n = Number;
if (mode === 'stun-udp') await stunUdp(n(a[0]), n(a[1]), a.slice(2));
else if (mode === 'stun-tcp') stunTcp(a[0], n(a[1]));
else if (mode === 'tcp-send') tcpSend(a[0], a[1], n(a[2]), n(a[3]));
else if (mode === 'tcp-recv') tcpRecv(a[0], a[1], n(a[2]), n(a[3]));
else if (mode === 'udp-send') udpSend(a[0], a[1], n(a[2]), n(a[3]));
else if (mode === 'udp-recv') udpRecv(a[0], a[1], n(a[2]), n(a[3]), n(a[4]));
else if (mode === 'punch') await punch(a[0], n(a[1]));
else { out({ fatal: 'unknown mode ' + mode }); process.exit(2); }
`;
