/**
 * check() in Chromium AND Firefox (Debian firefox-esr, puppeteer-core over WebDriver BiDi)
 * against a real coturn on loopback: both engines gather and make relay-forced calls, Firefox's
 * checks carry `@firefox` ids next to Chromium's unchanged ones, what Firefox really does with a
 * turns: URL to an IP address becomes ENGINES_DISAGREE, and nothing of Firefox (process,
 * profile directory) outlives a run, a close or a Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserOwner } from '../../src/browser/owner.js';
import { FirefoxOwner } from '../../src/browser/firefox.js';
import { check } from '../../src/run/check.js';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { makeCertificate } from '../helpers/certs.js';
import type { Report } from '../../src/core/schema.js';
import { assertMatchesPublishedSchema } from '../helpers/schema.js';
import { expectNoSecrets } from '../helpers/secrets.js';

let coturn: Coturn;
let chromium: BrowserOwner;
let firefox: FirefoxOwner;
const env = {} as NodeJS.ProcessEnv;

beforeAll(async () => {
  [coturn, chromium, firefox] = await Promise.all([startCoturn(), BrowserOwner.launch({ insecureTls: true }), FirefoxOwner.launch({ insecureTls: true })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([coturn?.stop(), chromium?.close(), firefox?.close()]);
});

const byId = (r: Report, id: string) => r.checks.find((c) => c.id === id);
const profiles = () => readdirSync(tmpdir()).filter((n) => n.startsWith('iceprobe-firefox-'));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('check() in both engines on real coturn', () => {
  it('both gather and relay; Firefox ignores turns: to an IP address but relays over TLS by name; the disagreement is named', { timeout: 90_000 }, async () => {
    const u = coturn.urls;
    const byName = `turns:localhost:${coturn.tlsPort}?transport=tcp`;
    const r = await check({
      env,
      browser: [chromium, firefox],
      browsers: 'all',
      urls: [u.turnUdp, u.turnTcp, u.turns ?? '', byName],
      username: coturn.username,
      credential: coturn.password,
      durationS: 0.5,
      protocol: false,
    });
    assertMatchesPublishedSchema(r);
    expectNoSecrets({ report: JSON.stringify(r) }, [coturn.password]);
    expect(r.environment.browsers?.map((b) => b.name)).toEqual(['chromium', 'firefox']);
    expect(r.environment.browser?.name).toBe('chromium');

    // Chromium's ids are the ones a Chromium-only run has; Firefox's are the same plus @firefox.
    for (const url of [u.turnUdp, u.turnTcp, u.turns ?? '', byName]) {
      expect(byId(r, `gather:${url}`)?.status, `chromium ${url}`).toBe('pass');
    }
    for (const url of [u.turnUdp, u.turnTcp, byName]) {
      const c = byId(r, `gather:${url}@firefox`);
      expect(c?.status, `firefox ${url}: ${c?.message}`).toBe('pass');
      expect(c?.details.engine).toBe('firefox');
    }
    const ipTls = byId(r, `gather:${u.turns}@firefox`);
    expect(ipTls).toMatchObject({ status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true } });
    // Firefox's relay candidates are its own, over the transport the URL asked for.
    const ffRelays = r.candidates.filter((c) => c.checkId?.endsWith('@firefox') && c.type === 'relay');
    expect(new Set(ffRelays.map((c) => c.relayProtocol))).toEqual(new Set(['udp', 'tcp', 'tls']));

    for (const t of ['udp', 'tcp', 'tls'] as const) {
      expect(byId(r, `call:relay/${t}`)?.status, `chromium call ${t}`).toBe('pass');
      const ff = byId(r, `call:relay/${t}@firefox`);
      expect(ff?.status, `firefox call ${t}: ${ff?.message}`).toBe('pass');
      const entry = r.calls?.find((c) => c.checkId === `call:relay/${t}@firefox`);
      expect(entry?.id).toBe(`relay-${t}@firefox`);
      expect(entry?.selectedPair?.local).toMatchObject({ type: 'relay', relayProtocol: t });
      expect(entry?.throughput?.bitsPerSecond ?? 0).toBeGreaterThan(0);
    }
    // The TLS call went by name (the IP-literal URL gave Firefox nothing to call through).
    expect(r.calls?.find((c) => c.id === 'relay-tls@firefox')?.via).toEqual([byName]);
    expect(byId(r, 'call:all@firefox')).toBeUndefined();

    const f = r.findings.filter((x) => x.code === 'ENGINES_DISAGREE');
    expect(f.map((x) => x.checkIds)).toEqual([[`gather:${u.turns}`, `gather:${u.turns}@firefox`]]);
  });

  it('the embedded default in both engines: its turns: URL names localhost, both relay over TLS, no ENGINES_DISAGREE', { timeout: 90_000 }, async () => {
    const r = await check({ env, browser: [chromium, firefox], browsers: 'all', durationS: 0.5 });
    expect(r.environment.embeddedServer).toBe(true);
    const turns = r.servers.find((s) => s.scheme === 'turns');
    expect(turns?.host).toBe('localhost');
    expect(byId(r, `gather:${turns?.url}`)?.status).toBe('pass');
    expect(byId(r, `gather:${turns?.url}@firefox`)?.status).toBe('pass');
    for (const id of ['call:relay/tls', 'call:relay/tls@firefox']) expect(byId(r, id)?.status, id).toBe('pass');
    // The Node side reaches it by name too (the certificate names localhost), on IPv4 only: no @ipv6 twin of our own server.
    expect(byId(r, `tls-handshake:localhost:${turns?.port}`)?.status).toBe('pass');
    expect(byId(r, `turn-allocate:${turns?.url}`)?.status).toBe('pass');
    expect(r.checks.filter((c) => c.id.includes('@ipv6'))).toEqual([]);
    expect(r.findings.map((f) => f.code)).not.toContain('ENGINES_DISAGREE');
    expect(r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.id} ${c.code}`)).toEqual([]);
  });

  it('a wrong password fails in both engines alike: TURN_AUTH_FAILED, no disagreement', { timeout: 60_000 }, async () => {
    const r = await check({ env, browser: [chromium, firefox], browsers: 'all', urls: [coturn.urls.turnUdp, coturn.urls.turnTcp], username: coturn.username, credential: 'not-the-password', calls: false, protocol: false });
    for (const url of [coturn.urls.turnUdp, coturn.urls.turnTcp]) {
      expect(byId(r, `gather:${url}`)?.code).toBe('TURN_AUTH_FAILED');
      expect(byId(r, `gather:${url}@firefox`)?.code).toBe('TURN_AUTH_FAILED');
    }
    const codes = r.findings.map((x) => x.code);
    expect(codes).toContain('TURN_AUTH_FAILED');
    expect(codes).not.toContain('ENGINES_DISAGREE');
  });

  it('--browser firefox alone: the ordinary rules judge Firefox, citing its ids', { timeout: 60_000 }, async () => {
    const r = await check({ env, browser: firefox, browsers: 'firefox', urls: [coturn.urls.turnUdp], username: coturn.username, credential: 'not-the-password', calls: false, protocol: false });
    expect(r.environment.browser?.name).toBe('firefox');
    expect(r.checks.filter((c) => c.kind === 'gather').map((c) => c.id)).toEqual([`gather:${coturn.urls.turnUdp}@firefox`]);
    const auth = r.findings.find((x) => x.code === 'TURN_AUTH_FAILED');
    expect(auth?.checkIds).toContain(`gather:${coturn.urls.turnUdp}@firefox`);
  });
});

describe('Firefox and a private CA (--ca-file)', () => {
  it('rejects a TURNS certificate from an unknown CA (701 → TLS_CERT_REJECTED) and accepts it once the CA is given', { timeout: 90_000 }, async () => {
    const ca = await makeCertificate({ isCa: true, commonName: 'iceprobe test CA', name: 'ca' });
    const leaf = await makeCertificate({ issuer: ca, name: 'leaf', dir: ca.dir });
    const server = await startCoturn({ tls: leaf });
    try {
      const url = `turns:localhost:${server.tlsPort}?transport=tcp`;
      const base = { env, browsers: 'firefox', urls: [url], username: server.username, credential: server.password, calls: false, protocol: false } as const;
      // check() launches (and closes) its own Firefox here: the CA goes into that profile's NSS store.
      const [without, withCa] = [await check(base), await check({ ...base, caFile: ca.cert })];
      expect(without.checks.find((c) => c.id === `gather:${url}@firefox`)?.code).toBe('TLS_CERT_REJECTED');
      expect(withCa.checks.find((c) => c.id === `gather:${url}@firefox`)?.status).toBe('pass');
    } finally {
      await server.stop();
      rmSync(ca.dir, { recursive: true, force: true });
    }
  });
});

describe('Firefox leaves nothing behind', () => {
  it('close() ends the process group and removes the profile directory', { timeout: 60_000 }, async () => {
    const before = profiles();
    const ff = await FirefoxOwner.launch({});
    const mine = profiles().filter((p) => !before.includes(p));
    expect(mine).toHaveLength(1);
    const pids = spawnSync('pgrep', ['-f', mine[0] ?? 'none'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    await ff.close();
    await ff.close(); // idempotent
    expect(existsSync(join(tmpdir(), mine[0] ?? 'none'))).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('Ctrl-C on `iceprobe check --browser firefox` exits 130 with no Firefox process or profile left', { timeout: 90_000 }, async () => {
    const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
    if (!existsSync(cli)) throw new Error('build first: npx tsc -p .');
    const before = profiles();
    const child = spawn(process.execPath, [cli, 'check', '--browser', 'firefox', '--url', coturn.urls.turnUdp, '--username', coturn.username, '--credential', coturn.password, '--duration', '20', '--no-protocol', '--quiet'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Wait until Firefox runs with its own profile, then well into the run (the call's data phase).
    let mine: string[] = [];
    let pids: number[] = [];
    for (let i = 0; i < 300 && pids.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      mine = profiles().filter((p) => !before.includes(p));
      if (mine[0]) pids = spawnSync('pgrep', ['-f', mine[0]], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    }
    expect(pids.length, 'Firefox started').toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3_000));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(existsSync(join(tmpdir(), mine[0] ?? 'none'))).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
  });
});
