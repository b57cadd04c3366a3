/** turns: against coturn serving certificates generated per case: every problem Chromium would reject is named. */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertFiles } from '../../../src/servers/certs.js';
import { makeCertificate } from '../../helpers/certs.js';
import { startCoturn } from '../../../src/servers/coturn.js';
import { runProtocolProbes, ProtocolCode } from '../../../src/probes-node/index.js';
import { byId, spec, uri } from './helpers.js';

const DAY = 86_400_000;
let dir: string;
let root: CertFiles;
let inter: CertFiles;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-tls-test-'));
  root = await makeCertificate({ dir, name: 'root', commonName: 'iceprobe test root', isCa: true, days: 10 });
  inter = await makeCertificate({ dir, name: 'inter', commonName: 'iceprobe test intermediate', isCa: true, issuer: root, days: 10 });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function probeWith(tls: CertFiles, extraCa: string[]) {
  const srv = await startCoturn({ tls });
  try {
    const url = srv.urls.turns!;
    const checks = await runProtocolProbes([spec(url, srv.username, srv.password)], { timeoutMs: 2_000, config: false, tls: { extraCa } });
    return { tls: byId(checks, `tls-handshake:127.0.0.1:${srv.tlsPort}`), alloc: byId(checks, `turn-allocate:${uri(url).canonical}`) };
  } finally {
    await srv.stop();
  }
}

describe('TLS certificate findings', () => {
  const rootPem = () => [readFileSync(root.cert, 'utf8')];

  it('a CA-signed certificate for the host passes', async () => {
    const leaf = await makeCertificate({ dir, name: 'good', issuer: root, san: ['IP:127.0.0.1'] });
    const r = await probeWith(leaf, rootPem());
    expect(r.tls.code).toBe('OK');
    expect(r.tls.details.trusted).toBe(true);
    expect(r.tls.details.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.alloc.code).toBe('OK');
  });
  it('self-signed → TLS_CERT_SELF_SIGNED (the TURN service behind it still allocates)', async () => {
    const leaf = await makeCertificate({ dir, name: 'self', san: ['IP:127.0.0.1'] });
    const r = await probeWith(leaf, rootPem());
    expect(r.tls.code).toBe(ProtocolCode.TLS_CERT_SELF_SIGNED);
    expect(r.tls.status).toBe('fail');
    expect(r.alloc.code).toBe('OK');
  });
  it('expired → TLS_CERT_EXPIRED', async () => {
    const leaf = await makeCertificate({ dir, name: 'expired', issuer: root, san: ['IP:127.0.0.1'], notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    const r = await probeWith(leaf, rootPem());
    expect(r.tls.code).toBe(ProtocolCode.TLS_CERT_EXPIRED);
    expect(r.tls.details.problems).toEqual([ProtocolCode.TLS_CERT_EXPIRED]);
  });
  it('expired and self-signed → both named, expired first', async () => {
    const leaf = await makeCertificate({ dir, name: 'expired-self', san: ['IP:127.0.0.1'], notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) });
    const r = await probeWith(leaf, []);
    expect(r.tls.details.problems).toEqual([ProtocolCode.TLS_CERT_EXPIRED, ProtocolCode.TLS_CERT_SELF_SIGNED]);
  });
  it('wrong host → TLS_CERT_HOSTNAME_MISMATCH', async () => {
    const leaf = await makeCertificate({ dir, name: 'wronghost', issuer: root, commonName: 'turn.example.com', san: ['DNS:turn.example.com'] });
    const r = await probeWith(leaf, rootPem());
    expect(r.tls.code).toBe(ProtocolCode.TLS_CERT_HOSTNAME_MISMATCH);
    expect(r.tls.details.problems).toEqual([ProtocolCode.TLS_CERT_HOSTNAME_MISMATCH]);
  });
  it('leaf without its intermediate → TLS_CERT_INCOMPLETE_CHAIN; with it → OK', async () => {
    const leaf = await makeCertificate({ dir, name: 'leaf-only', issuer: inter, san: ['IP:127.0.0.1'] });
    expect((await probeWith(leaf, rootPem())).tls.code).toBe(ProtocolCode.TLS_CERT_INCOMPLETE_CHAIN);
    const full = await makeCertificate({ dir, name: 'leaf-full', issuer: inter, san: ['IP:127.0.0.1'], chain: [inter.cert] });
    expect((await probeWith(full, rootPem())).tls.code).toBe('OK');
  });
  it('a chain to a CA outside the trust store → TLS_CERT_UNTRUSTED', async () => {
    const full = await makeCertificate({ dir, name: 'untrusted', issuer: inter, san: ['IP:127.0.0.1'], chain: [inter.cert, root.cert] });
    const r = await probeWith(full, []);
    expect(r.tls.code).toBe(ProtocolCode.TLS_CERT_UNTRUSTED);
    expect(r.tls.details.chainLength).toBe(3);
  });
});
