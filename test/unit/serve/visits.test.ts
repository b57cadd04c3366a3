/** serve's per-visit credentials and visit store, pure (no server, no browser, no clock). */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/config.js';
import { mintTurnRestCredential } from '../../../src/core/credentials.js';
import { Secrets } from '../../../src/core/redact.js';
import { HttpError, LinkTokens } from '../../../src/services/serve/http.js';
import { Visits, visitServers } from '../../../src/services/serve/visits.js';
import { spec } from './fixtures.js';

const SECRET = 'rest-secret-41c9e2';

/** The HTTP status a call answers with: an HttpError's, or 200. */
function status(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
  return 200;
}
const T0 = 1_700_000_000_000;

describe('visitServers: the servers as one visit gets them', () => {
  it('mints a config-minted credential afresh per visit, for the user the config minted it for', () => {
    const config = resolveConfig({ env: {}, urls: ['turn:t.test:3478', 'stun:s.test'], turnSecret: SECRET, config: { iceprobe: { turnSecretUser: 'visitor-desk' } }, now: () => T0 });
    const secrets = new Secrets();
    const later = T0 + 60_000;
    const [turn, stun] = visitServers(config.servers, config.turnSecret, later, 900, secrets);
    const expected = mintTurnRestCredential(SECRET, 'visitor-desk', later, 900);
    expect(turn).toMatchObject({ username: expected.username, credential: expected.credential, credentialSource: 'minted', restUser: 'visitor-desk' });
    // Not the config's own (run-long) credential: a page gets one that lapses with its visit.
    expect(turn?.credential).not.toBe(config.servers[0]?.credential);
    expect(stun).toBe(config.servers[1]);
    expect(secrets.redact(`${expected.credential}`)).toBe('[redacted]');
    expect(JSON.stringify([turn, stun])).not.toContain(SECRET);
  });

  it('mints for the config\'s user as given, a colon in it included', () => {
    const config = resolveConfig({ env: {}, urls: ['turn:t.test'], username: 'team:blue', turnSecret: SECRET, now: () => T0 });
    const [turn] = visitServers(config.servers, config.turnSecret, T0, 900, new Secrets());
    expect(turn?.username).toBe(`${Math.floor(T0 / 1000) + 900}:team:blue`);
    expect(turn?.credential).toBe(mintTurnRestCredential(SECRET, 'team:blue', T0, 900).credential);
  });

  it('passes given credentials on as they are and registers them', () => {
    const given = spec('turn:t.test:3478', 'static-pass-1');
    const secrets = new Secrets();
    expect(visitServers([given], null, T0, 900, secrets)).toEqual([given]);
    expect(secrets.redact('static-pass-1')).toBe('[redacted]');
  });
});

describe('Visits', () => {
  let visits: Visits | null = null;
  afterEach(() => visits?.closeAll());
  const init = { tokenKey: 'k1', ip: '127.0.0.1', requestUserAgent: null, servers: [], secrets: new Secrets(), gatherPlan: { specs: [], staticChecks: [] } };

  it('finds a visit only with its own token, refuses a finished one, and is full at the limit', () => {
    let t = 1_000;
    visits = new Visits({ maxVisits: 2, idleMs: 60_000, now: () => t });
    const v = visits.start(init);
    expect(v.id).toMatch(/^[0-9a-f]{32}$/);
    t = 2_000;
    expect(visits.get(v.id, 'k1').lastSeen).toBe(2_000);
    expect(status(() => visits?.get(v.id, 'k2'))).toBe(404);
    expect(status(() => visits?.get('0'.repeat(32), 'k1'))).toBe(404);
    expect(visits.full).toBe(false);
    visits.start(init);
    expect(visits.full).toBe(true);
    v.finished = true;
    expect(status(() => visits?.get(v.id, 'k1'))).toBe(409);
    visits.close(v);
    expect(visits.full).toBe(false);
    expect(status(() => visits?.get(v.id, 'k1'))).toBe(404);
  });
});

describe('LinkTokens', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as never;
  it('401 without a token, 403 with a wrong one, a stable key (not the token) with a right one', () => {
    const tokens = new LinkTokens(['link-token-1', 'link-token-2']);
    const url = new URL('http://x/api/session');
    expect(status(() => tokens.authorize(req({}), url))).toBe(401);
    expect(status(() => tokens.authorize(req({ 'x-iceprobe-token': 'link-token-3' }), url))).toBe(403);
    const key = tokens.authorize(req({ 'x-iceprobe-token': 'link-token-1' }), url);
    expect(key).not.toContain('link-token');
    expect(tokens.authorize(req({}), new URL('http://x/api/session?t=link-token-1'))).toBe(key);
    expect(tokens.authorize(req({ 'x-iceprobe-token': 'link-token-2' }), url)).not.toBe(key);
    expect(new LinkTokens([]).authorize(req({}), url)).toBe('-');
  });
});
