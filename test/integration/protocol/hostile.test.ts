/** Hostile and absent servers: each becomes a failed check with its code, quickly and boundedly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert, type CertFiles } from '../../../src/servers/certs.js';
import { runProtocolProbes, ProtocolCode } from '../../../src/probes-node/index.js';
import { AttributeType, Method, addressAttribute, encodeMessage, newTransactionId } from '../../../src/stun/index.js';
import { closedPort, tcpServer, tlsServer, udpServer, type Hostile } from '../../helpers/hostile.js';
import { byId, spec } from './helpers.js';
import { rmSync } from 'node:fs';

const bindingSuccess = (txId: Buffer) =>
  encodeMessage({ method: Method.Binding, cls: 'success', transactionId: txId, attributes: [addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { family: 4, address: '127.0.0.1', port: 5 }, txId)] }, { fingerprint: true });

async function probeOne(url: string, timeoutMs = 1_500, creds = true) {
  const t0 = performance.now();
  const checks = await runProtocolProbes([creds && url.startsWith('turn') ? spec(url, 'user', 'password') : spec(url)], { timeoutMs, config: false, rtoMs: 100 });
  const c = checks.find((x) => x.kind === 'stun-binding' || x.kind === 'turn-allocate');
  if (!c) throw new Error('no probe check');
  return { c, elapsed: performance.now() - t0, checks };
}

describe('hostile UDP servers', () => {
  const servers: Hostile[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (answer: (req: Buffer) => Buffer | null) => {
    const s = await udpServer(answer);
    servers.push(s);
    return s.port;
  };

  it('garbage → NOT_STUN, without waiting out the bound', async () => {
    const junk = Buffer.from('\xff\xfegarbage garbage garbage garbage', 'latin1');
    const port = await start(() => junk);
    const { c, elapsed } = await probeOne(`stun:127.0.0.1:${port}`);
    expect(c.code).toBe(ProtocolCode.NOT_STUN);
    expect(c.status).toBe('fail');
    expect(elapsed).toBeLessThan(1_000);
    expect(c.details.invalid).toMatchObject({ length: junk.length });
  });
  it('answer without the magic cookie → NO_MAGIC_COOKIE', async () => {
    const port = await start((req) => {
      const r = bindingSuccess(req.subarray(8, 20));
      r.writeUInt32BE(0, 4);
      return r;
    });
    expect((await probeOne(`stun:127.0.0.1:${port}`)).c.code).toBe(ProtocolCode.NO_MAGIC_COOKIE);
  });
  it('answer for another transaction id → TRANSACTION_MISMATCH', async () => {
    const port = await start(() => bindingSuccess(newTransactionId()));
    expect((await probeOne(`stun:127.0.0.1:${port}`)).c.code).toBe(ProtocolCode.TRANSACTION_MISMATCH);
  });
  it('truncated answer → MALFORMED_RESPONSE', async () => {
    const port = await start((req) => {
      const r = bindingSuccess(req.subarray(8, 20));
      return r.subarray(0, r.length - 4);
    });
    expect((await probeOne(`stun:127.0.0.1:${port}`)).c.code).toBe(ProtocolCode.MALFORMED_RESPONSE);
  });
  it('a valid answer after a garbage one still passes', async () => {
    let n = 0;
    const port = await start((req) => (n++ === 0 ? Buffer.from('junk') : bindingSuccess(req.subarray(8, 20))));
    // first request gets junk; the retransmission (RTO 100 ms) gets the real answer
    const { c } = await probeOne(`stun:127.0.0.1:${port}`);
    expect(c.code).toBe('OK');
    expect(c.details.sends).toBe(2);
  });
  it('silence → TIMEOUT at the bound, retransmitting on the RFC 8489 schedule', async () => {
    const s = await udpServer(() => null);
    servers.push(s);
    const { c, elapsed } = await probeOne(`stun:127.0.0.1:${s.port}`, 1_600);
    expect(c.code).toBe(ProtocolCode.TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
    expect(elapsed).toBeLessThan(2_500);
    // RTO 100: sends at 0, 100, 300, 700, 1500 → 5 within 1600 ms
    expect(c.details.sends).toBe(5);
    expect(s.received).toHaveLength(5);
  });
});

describe('hostile TCP/TLS servers', () => {
  const servers: Hostile[] = [];
  let cert: CertFiles;
  beforeAll(async () => {
    cert = await makeSelfSignedCert();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(cert.dir, { recursive: true, force: true });
  });

  it('TCP garbage → NOT_STUN', async () => {
    const s = await tcpServer((sock) => sock.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(s);
    const { c, elapsed } = await probeOne(`turn:127.0.0.1:${s.port}?transport=tcp`);
    expect(c.code).toBe(ProtocolCode.NOT_STUN);
    expect(elapsed).toBeLessThan(1_000);
  });
  it('TCP server that never answers → TIMEOUT within the bound', async () => {
    const s = await tcpServer(() => undefined);
    servers.push(s);
    const { c, elapsed } = await probeOne(`turn:127.0.0.1:${s.port}?transport=tcp`, 800);
    expect(c.code).toBe(ProtocolCode.TIMEOUT);
    expect(elapsed).toBeLessThan(1_800);
  });
  it('TCP server that hangs up → CONNECTION_CLOSED', async () => {
    const s = await tcpServer((sock) => sock.end());
    servers.push(s);
    expect((await probeOne(`turn:127.0.0.1:${s.port}?transport=tcp`)).c.code).toBe(ProtocolCode.CONNECTION_CLOSED);
  });
  it('TLS server that is not TURN → NOT_STUN (and the handshake itself is reported)', async () => {
    const s = await tlsServer(cert, (sock) => sock.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    servers.push(s);
    const { c, checks } = await probeOne(`turns:127.0.0.1:${s.port}?transport=tcp`);
    expect(c.code).toBe(ProtocolCode.NOT_STUN);
    expect(byId(checks, `tls-handshake:127.0.0.1:${s.port}`).code).toBe(ProtocolCode.TLS_CERT_SELF_SIGNED);
  });
  it('plain TCP server on a turns: URL → TLS_HANDSHAKE_FAILED', async () => {
    const s = await tcpServer((sock) => sock.end('SSH-2.0-OpenSSH\r\n'));
    servers.push(s);
    const { c, checks } = await probeOne(`turns:127.0.0.1:${s.port}?transport=tcp`);
    expect(c.code).toBe(ProtocolCode.TLS_HANDSHAKE_FAILED);
    expect(byId(checks, `tls-handshake:127.0.0.1:${s.port}`).code).toBe(ProtocolCode.TLS_HANDSHAKE_FAILED);
  });
});

describe('closed ports', () => {
  it('UDP, TCP and TLS to a closed port fail fast with CONNECTION_REFUSED', async () => {
    const port = await closedPort();
    const t0 = performance.now();
    const checks = await runProtocolProbes(
      [spec(`stun:127.0.0.1:${port}`), spec(`turn:127.0.0.1:${port}?transport=udp`, 'u', 'password'), spec(`turn:127.0.0.1:${port}?transport=tcp`, 'u', 'password'), spec(`turns:127.0.0.1:${port}?transport=tcp`, 'u', 'password')],
      { timeoutMs: 1_500, config: false },
    );
    const elapsed = performance.now() - t0;
    for (const c of checks.filter((x) => x.kind !== 'dns' && x.kind !== 'relay-reach')) expect(c.code, c.id).toBe(ProtocolCode.CONNECTION_REFUSED);
    // No allocation, nothing to test from outside: the turn-allocate checks say why.
    const reach = checks.filter((x) => x.kind === 'relay-reach');
    expect(reach).toHaveLength(3);
    for (const c of reach) expect(c.code, c.id).toBe(ProtocolCode.RELAY_NOT_TESTED);
    expect(elapsed).toBeLessThan(1_500);
  });
});
