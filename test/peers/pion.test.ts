/**
 * iceprobe against pion/turn v2 (Go), an independent TURN implementation: the library check()
 * (Node probes and the browser's gathering and calls) over UDP, TCP and TLS, with right and
 * wrong credentials, and with URLs that name the wrong kind of port. Assertions are on codes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/run/check.js';
import type { CertFiles } from '../../src/servers/certs.js';
import { makeCertificate } from '../helpers/certs.js';
import type { Check, Report } from '../../src/core/schema.js';
import { buildPion, pionMissing, startPion, type PionServer } from './pion-server.js';

const missing = pionMissing();
if (missing) throw new Error(`peer tier: ${missing}`);

let dir: string;
let root: CertFiles;
let pion: PionServer;

beforeAll(async () => {
  const bin = await buildPion();
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-peers-pion-'));
  root = await makeCertificate({ dir, name: 'root', commonName: 'iceprobe peer-tier root', isCa: true, days: 5 });
  const leaf = await makeCertificate({ dir, name: 'leaf', issuer: root, san: ['IP:127.0.0.1', 'DNS:localhost'] });
  pion = await startPion(bin, { cert: leaf });
}, 240_000);
afterAll(async () => {
  await pion?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byId = (r: Report, id: string): Check => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};
const findingCodes = (r: Report) => r.findings.map((f) => f.code).sort();

describe('pion/turn v2: right credentials', () => {
  it('UDP and TCP: allocations, relay candidates and relay-forced calls → ALL_GOOD', async () => {
    const r = await check({ urls: [pion.urls.udp, pion.urls.tcp], username: pion.user, credential: pion.password, timeoutMs: 3_000, durationS: 0.5 });
    for (const u of [pion.urls.udp, pion.urls.tcp]) {
      expect(byId(r, `turn-allocate:${u}`)).toMatchObject({ code: 'OK', details: { realm: pion.realm } });
      expect(byId(r, `gather:${u}`).code).toBe('OK');
    }
    expect(byId(r, 'call:relay/udp').code).toBe('OK');
    expect(byId(r, 'call:relay/tcp').code).toBe('OK');
    // The one-sided call (callee not relayed) learns its reflexive address from pion itself: no stun: URL given.
    expect(byId(r, 'call:relay-one-side/udp').code).toBe('OK');
    // pion is healthy here, so anything but ALL_GOOD is a wrong verdict; the message names the checks it rests on.
    const notPassing = r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id} ${c.code}`);
    expect(findingCodes(r), notPassing.join('; ')).toEqual(['ALL_GOOD']);
  });

  it('TLS with a private CA given by --ca-file: the TLS probe and the browser both trust it (no --insecure-tls)', async () => {
    const r = await check({ urls: [pion.urls.tls!], username: pion.user, credential: pion.password, timeoutMs: 3_000, durationS: 0.5, caFile: root.cert });
    expect(r.environment.browser?.caTrust).toEqual({ status: 'trusted', certificates: 1 });
    expect(byId(r, `tls-handshake:127.0.0.1:${pion.tls}`)).toMatchObject({ code: 'OK', details: { trusted: true } });
    expect(byId(r, `turn-allocate:${pion.urls.tls}`).code).toBe('OK');
    expect(byId(r, `gather:${pion.urls.tls}`).code).toBe('OK');
    expect(byId(r, 'call:relay/tls').code).toBe('OK');
    // The only remark: TURNS is not on 443 (the tier cannot take 443 on a shared machine).
    expect(findingCodes(r)).toEqual(['TURNS_NOT_ON_443']);
  });
});

describe('pion/turn v2: wrong credentials (pion answers 400, not 401)', () => {
  const urls = () => [pion.urls.udp, pion.urls.tcp, pion.urls.tls!];
  it.each([
    ['a wrong password', { username: 'alice', credential: 'not-the-password' }],
    ['an unknown user', { username: 'mallory', credential: 'pion-password' }],
    ['a 1-character password', { username: 'alice', credential: 'x' }],
  ])('%s → TURN_AUTH_FAILED on every transport (the 400 kept as evidence), never TURN_BAD_REQUEST', async (_name, creds) => {
    const r = await check({ urls: urls(), ...creds, timeoutMs: 3_000, calls: false, caFile: root.cert });
    for (const u of urls()) {
      const node = byId(r, `turn-allocate:${u}`);
      expect(node.code).toBe('TURN_AUTH_FAILED');
      expect(node.details).toMatchObject({ errorCode: { code: 400 }, authRejection: { step: 'allocate-auth', serverCode: 400 } });
      const gather = byId(r, `gather:${u}`);
      expect(gather.code).toBe('TURN_ERROR');
      expect(gather.details.errors).toEqual(expect.arrayContaining([expect.objectContaining({ errorCode: 400 })]));
    }
    const auth = r.findings.find((f) => f.code === 'TURN_AUTH_FAILED');
    expect(auth?.checkIds).toEqual(expect.arrayContaining(urls().flatMap((u) => [`turn-allocate:${u}`, `gather:${u}`])));
    expect(findingCodes(r)).not.toContain('TURN_SERVER_ERROR');
    expect(r.checks.map((c) => c.code)).not.toContain('TURN_BAD_REQUEST');
    expect(JSON.stringify(r)).not.toContain(`"${creds.credential}"`);
  });
});

describe('pion/turn v2: URLs that name the wrong kind of port', () => {
  it('turns: at the plain TCP port is TLS_HANDSHAKE_FAILED (TCP open, speaks plain STUN); turn:?transport=tcp at the TLS port is PORT_SPEAKS_TLS; neither is SERVER_UNREACHABLE', async () => {
    const turnsAtTcp = `turns:127.0.0.1:${pion.tcp}?transport=tcp`;
    const tcpAtTls = `turn:127.0.0.1:${pion.tls}?transport=tcp`;
    const r = await check({ urls: [turnsAtTcp, tcpAtTls], username: pion.user, credential: pion.password, timeoutMs: 2_000, calls: false });
    expect(byId(r, `tls-handshake:127.0.0.1:${pion.tcp}`)).toMatchObject({ code: 'TLS_HANDSHAKE_FAILED', details: { tcpConnected: true, portSpeaks: 'stun' } });
    expect(byId(r, `turn-allocate:${turnsAtTcp}`)).toMatchObject({ code: 'TLS_HANDSHAKE_FAILED', details: { tcpConnected: true } });
    expect(byId(r, `turn-allocate:${tcpAtTls}`)).toMatchObject({ code: 'PORT_SPEAKS_TLS', details: { tcpConnected: true, portSpeaks: 'tls' } });
    const codes = findingCodes(r);
    expect(codes).toEqual(expect.arrayContaining(['TLS_HANDSHAKE_FAILED', 'PORT_SPEAKS_TLS']));
    expect(codes).not.toContain('SERVER_UNREACHABLE');
    expect(r.checks.map((c) => c.code)).not.toContain('TLS_CERT_REJECTED');
  });
});
