/** Authentication variants against coturn: TURN REST secret, realm-mismatched keys, and turnutils_uclient as a reference. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { mintTurnRestCredential } from '../../../src/core/credentials.js';
import { runProtocolProbes, ProtocolCode } from '../../../src/probes-node/index.js';
import { byId, spec, uri } from './helpers.js';

const TIMEOUT = 2_000;

async function allocate(srv: Coturn, url: string, username: string, password: string, expectedRealm?: string) {
  const checks = await runProtocolProbes([spec(url, username, password)], { timeoutMs: TIMEOUT, config: false, ...(expectedRealm ? { expectedRealm } : {}) });
  return byId(checks, `turn-allocate:${uri(url).canonical}`);
}

describe('TURN REST (use-auth-secret)', () => {
  let srv: Coturn;
  const secret = 'rest-secret-for-tests';
  beforeAll(async () => {
    srv = await startCoturn({ authSecret: secret, tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('credentials minted with the right secret allocate over udp and tcp', async () => {
    const c = mintTurnRestCredential(secret, 'alice', Date.now(), 600);
    for (const url of [srv.urls.turnUdp, srv.urls.turnTcp]) {
      const a = await allocate(srv, url, c.username, c.credential);
      expect(a.code).toBe('OK');
      expect(a.details.restExpiry).toBe(new Date(c.expiresAt * 1000).toISOString());
    }
  });
  it('the wrong secret → TURN_AUTH_FAILED', async () => {
    const c = mintTurnRestCredential('not-the-secret', 'alice', Date.now(), 600);
    const a = await allocate(srv, srv.urls.turnUdp, c.username, c.credential);
    expect(a.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(JSON.stringify(a)).not.toContain(c.credential);
  });
  it('an expired REST username → TURN_CREDENTIAL_EXPIRED', async () => {
    const c = mintTurnRestCredential(secret, 'alice', Date.now() - 7_200_000, 600);
    const a = await allocate(srv, srv.urls.turnUdp, c.username, c.credential);
    expect(a.code).toBe(ProtocolCode.TURN_CREDENTIAL_EXPIRED);
    expect(a.details.errorCode).toMatchObject({ code: 401 });
  });
});

describe('realm mismatch', () => {
  let srv: Coturn;
  const user = 'bob';
  const password = 'bob-password';
  beforeAll(async () => {
    // The user's key was provisioned for another realm: HA1 = MD5(user:other.test:password).
    const ha1 = createHash('md5').update(`${user}:other.test:${password}`).digest('hex');
    srv = await startCoturn({ realm: 'right.test', users: [{ name: user, password: `0x${ha1}` }], tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('the right password for the wrong realm → TURN_AUTH_FAILED naming the server realm', async () => {
    const a = await allocate(srv, srv.urls.turnUdp, user, password);
    expect(a.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(a.details.realm).toBe('right.test');
  });
  it('with the realm the credentials were made for → TURN_REALM_MISMATCH', async () => {
    const a = await allocate(srv, srv.urls.turnUdp, user, password, 'other.test');
    expect(a.code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
  });
});

/** Runs turnutils_uclient until it reports a relay address or fails; bounded. */
function uclient(srv: Coturn, password: string): Promise<{ relayed: boolean; failed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('turnutils_uclient', ['-u', srv.username, '-w', password, '-p', String(srv.port), '-n', '1', '-m', '1', '-y', '-c', '-v', srv.host], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let relayed = false;
    const onData = (s: string) => {
      out += s;
      if (!relayed && /Received relay addr/.test(out)) {
        relayed = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ relayed, failed: /Cannot complete Allocation/.test(out), code });
    });
  });
}

describe('against turnutils_uclient on the same server', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn({ tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('both allocate with the right password', async () => {
    const [ours, theirs] = await Promise.all([allocate(srv, srv.urls.turnUdp, srv.username, srv.password), uclient(srv, srv.password)]);
    expect(ours.code).toBe('OK');
    expect(theirs.relayed).toBe(true);
  });
  it('both fail, and the server logs both as bad credentials, with a wrong password', async () => {
    const count = () => (srv.logs().match(/credentials are incorrect/g) ?? []).length;
    // coturn's log arrives through a pipe: wait (bounded) until it has grown past `than`.
    const settled = async (than: number) => {
      for (let i = 0; i < 40 && count() <= than; i++) await new Promise((r) => setTimeout(r, 25));
      return count();
    };
    const before = count();
    const ours = await allocate(srv, srv.urls.turnUdp, srv.username, 'wrong-password');
    const afterOurs = await settled(before);
    const theirs = await uclient(srv, 'wrong-password');
    const afterTheirs = await settled(afterOurs);
    expect(ours.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(theirs.relayed).toBe(false);
    expect(theirs.failed).toBe(true);
    expect(theirs.code).not.toBe(0);
    expect(afterOurs).toBeGreaterThan(before);
    expect(afterTheirs).toBeGreaterThan(afterOurs);
  });
});

describe('short passwords (1 and 2 characters): coturn accepts them, so iceprobe must too', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn({ users: [{ name: 'one', password: 'x' }, { name: 'two', password: 'ab' }], tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it.each([
    ['one', 'x'],
    ['two', 'ab'],
  ])('user %s with password %j: the Node allocation and the browser relay candidate both work', async (username, credential) => {
    const { check } = await import('../../../src/run/check.js');
    const r = await check({ urls: [srv.urls.turnUdp, srv.urls.turnTcp], username, credential, timeoutMs: TIMEOUT, calls: false });
    for (const url of [srv.urls.turnUdp, srv.urls.turnTcp]) {
      expect(byId(r.checks, `turn-allocate:${uri(url).canonical}`).code).toBe('OK');
      expect(byId(r.checks, `gather:${uri(url).canonical}`).code).toBe('OK');
    }
    expect(r.findings.map((f) => f.code)).not.toContain('TURN_AUTH_FAILED');
    // And a wrong short password is still refused.
    const wrong = await allocate(srv, srv.urls.turnUdp, username, credential === 'x' ? 'y' : 'ac');
    expect(wrong.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
  });
});
