/**
 * iceprobe serve on loopback: the embedded coturn (TURN REST, random secret), the echo peer in
 * serve's own headless Chromium, and a second, independent Chromium that a test drives like a
 * person (open the link, press Start, read what the page says).
 *
 * Needs `npx tsc -p .` first: the page's modules are served from dist/probes/.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserOwner } from '../../../src/browser/owner.js';
import { resolveConfig } from '../../../src/config/config.js';
import { loadReport } from '../../../reports/write.js';
import { startServe, type ServeServer } from '../../../src/services/serve/server.js';
import { plainVerdict, type PlainVerdict } from '../../../src/services/serve/verdict.js';
import { expectNoSecrets } from '../../helpers/secrets.js';
import { assertMatchesPublishedSchema } from '../../helpers/schema.js';

const TOKEN = 'link-token-7f3a9c';
const TOKEN_STRICT = 'link-token-strict-2b8e';
let dir: string;
let serve: ServeServer;
let visitor: BrowserOwner;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-serve-test-'));
  [serve, visitor] = await Promise.all([
    startServe({ reportsDir: join(dir, 'reports'), port: 0, tokens: [TOKEN, TOKEN_STRICT], durationS: 1, log: (l) => logs.push(l) }),
    // Accepts the embedded coturn's self-signed TURNS certificate, like check's browser does.
    BrowserOwner.launch({ insecureTls: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([serve?.close(), visitor?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PageState {
  state: string;
  result: { id: string; verdict: PlainVerdict } | null;
  error: { status: number; reason: string } | null;
}

describe('iceprobe serve, page opened by a browser that verifies certificates (as visitors\' do)', () => {
  it('the demo\'s own self-signed TURNS certificate is named as the server\'s certificate, never "blocked on your network"', async () => {
    const strict = await BrowserOwner.launch({});
    try {
      const page = await strict.newPage();
      await page.goto(`${serve.url}?t=${TOKEN_STRICT}`, { timeout: 10_000 });
      await page.click('#start', { timeout: 10_000 });
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 90_000, state: 'attached' });
      const st = (await page.evaluate('window.iceprobeServe')) as PageState;
      expect(st.error).toBeNull();
      const headline = (await page.textContent('#headline')) ?? '';
      expect(st.result?.verdict.kind).toBe('SERVER_CERTIFICATE_ONLY');
      expect(st.result?.verdict.working.map((w) => w.transport)).toEqual(['udp', 'tcp']);
      expect(headline).not.toMatch(/blocked on your network/i);
      expect(headline).toMatch(/self-signed/);
    } finally {
      await strict.close();
    }
  }, 120_000);
});

describe('iceprobe serve, page opened by a driven browser', () => {
  it('runs gathering and per-transport relay calls to the echo peer; the stored report says what the page shows', async () => {
    const page = await visitor.newPage();
    const apiBodies: string[] = [];
    page.on('response', (res) => {
      if (res.url().includes('/api/')) void res.text().then((t) => apiBodies.push(t), () => undefined);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.setViewportSize({ width: 360, height: 740 }); // a phone
      const nav = await page.goto(`${serve.url}?t=${TOKEN}`, { timeout: 10_000 });
      expect(nav?.status()).toBe(200);
      expect(nav?.headers()['referrer-policy']).toBe('no-referrer');
      await page.click('#start', { timeout: 10_000 });
      // A selector, not waitForFunction: the page's CSP forbids the eval Playwright's polling uses.
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 90_000, state: 'attached' });
      const st = (await page.evaluate('window.iceprobeServe')) as PageState;
      expect(st.error).toBeNull();
      expect(st.state).toBe('done');

      // What a person sees.
      const headline = (await page.textContent('#headline')) ?? '';
      const lines = await page.$$eval('#lines li', (els) => els.map((e) => e.textContent ?? ''));
      const rid = (await page.textContent('#rid')) ?? '';
      const tone = await page.getAttribute('#result', 'data-tone');
      expect(await page.isVisible('#result')).toBe(true);
      expect(rid).toMatch(/^[a-z2-9]{10}$/);
      // Readable on a phone: nothing wider than the screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      // The verdict first: above the steps and the camera offer, and in view when it arrives.
      const box = await page.locator('#result').boundingBox();
      expect(box && box.y >= -1 && box.y < 740, `verdict at y=${box?.y ?? '?'}`).toBe(true);
      const order = (await page.evaluate("['result','progress','media'].map((id) => document.getElementById(id).compareDocumentPosition(document.getElementById('progress')))")) as number[];
      expect(order[0] ?? 0).toBe(4); // #progress follows #result
      // The camera button says it re-runs the whole test, rather than doing so silently.
      if (await page.isVisible('#media-start')) expect(await page.textContent('#media-start')).toBe('Run the whole test again, with my camera and microphone');

      // What was stored: <reports-dir>/<time>-<id>.json and .html, valid, with the same verdict.
      const files = readdirSync(join(dir, 'reports')).filter((f) => f.includes(rid));
      expect(files.sort()).toEqual([expect.stringMatching(new RegExp(`^\\d{8}T\\d{6}Z-${rid}\\.html$`)), expect.stringMatching(new RegExp(`^\\d{8}T\\d{6}Z-${rid}\\.json$`))]);
      const jsonPath = join(dir, 'reports', files.find((f) => f.endsWith('.json')) ?? '');
      const report = loadReport(jsonPath);
      assertMatchesPublishedSchema(report);
      const stored = plainVerdict(report);
      expect({ headline, lines, tone }).toEqual({ headline: stored.headline, lines: stored.lines, tone: stored.tone });
      expect(st.result?.verdict).toEqual(stored);
      expect(serve.stored.map((s) => s.id)).toContain(rid);
      // Where it was measured: this visitor's browser, under the id the page showed.
      expect(report.origin).toMatchObject({ kind: 'serve', resultId: rid });
      expect(readFileSync(jsonPath.replace(/\.json$/, '.html'), 'utf8')).toContain(`Measured in a visitor&#39;s browser (result id ${rid})`);
      // Nobody pressed the camera/microphone button: a skip that says so.
      expect(report.checks.filter((c) => c.kind === 'media').map((c) => [c.status, c.code])).toEqual([['skip', 'MEDIA_NOT_REQUESTED']]);
      expect(logs.filter((l) => l.startsWith(`report ${rid} `))).toHaveLength(1);

      // Per-transport relay calls to the echo peer, both directions.
      const calls = report.calls ?? [];
      expect(calls.map((c) => c.id)).toEqual(['relay-udp', 'relay-tcp', 'relay-tls', 'all']);
      for (const c of calls) expect(['pass', 'warn'], `${c.id} ${c.code} ${c.failedPhase}`).toContain(c.status);
      for (const c of calls.filter((x) => x.policy === 'relay')) {
        expect(c.selectedPair?.local.type).toBe('relay');
        expect(c.selectedPair?.local.relayProtocol).toBe(c.transport);
        expect(c.setup.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['signaling-connected', 'offer-created', 'answer-received', 'ice-connected', 'dtls-connected', 'datachannel-open']));
        expect(c.throughput?.bitsPerSecond).toBeGreaterThan(1e6);
        // The other direction (echo peer → page): the entry's download, as measured.
        expect(c.download?.status, c.id).not.toBe('fail');
        expect(c.download?.throughput?.bitsPerSecond).toBeGreaterThan(1e6);
        // The page's receive counters came through the post: the download has its receive samples.
        expect(c.download?.throughput?.receivedSamples?.length).toBeGreaterThan(0);
      }
      expect(stored.working.map((w) => w.transport)).toEqual(['udp', 'tcp', 'tls']);
      expect(report.checks.filter((c) => c.kind === 'gather').every((c) => c.status === 'pass')).toBe(true);
      expect(report.environment.embeddedServer).toBe(true);
      expect(report.servers.filter((s) => s.scheme !== 'stun').every((s) => s.credential === 'minted')).toBe(true);

      // Secrets: the TURN REST secret never reached the page; the per-visit credentials it got
      // never reached the stored files.
      const secret = serve.embedded?.authSecret ?? '';
      expect(secret.length).toBeGreaterThan(8);
      const session = JSON.parse(apiBodies.find((b) => b.includes('"gather"')) ?? '{}') as { gather: { credential?: string }[] };
      const minted = [...new Set(session.gather.map((g) => g.credential).filter((c): c is string => typeof c === 'string'))];
      expect(minted.length).toBeGreaterThan(0);
      expectNoSecrets({ api: apiBodies.join('\n') }, [secret]);
      expectNoSecrets({ json: readFileSync(jsonPath, 'utf8'), html: readFileSync(jsonPath.replace(/\.json$/, '.html'), 'utf8'), log: logs.join('\n') }, [secret, TOKEN, ...minted]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('without the link token the page says so (401), and a wrong token is refused (403)', async () => {
    const page = await visitor.newPage();
    try {
      await page.goto(serve.url, { timeout: 10_000 });
      await page.click('#start');
      await page.waitForSelector('body[data-state="error"]', { timeout: 10_000, state: 'attached' });
      expect(((await page.evaluate('window.iceprobeServe')) as PageState).error?.status).toBe(401);
      expect(await page.isVisible('#error')).toBe(true);
    } finally {
      await page.close();
    }
    expect((await fetch(`${serve.origin}/api/session`)).status).toBe(401);
    expect((await fetch(`${serve.origin}/api/session`, { headers: { 'x-iceprobe-token': 'wrong-token-123' } })).status).toBe(403);
    expect((await fetch(`${serve.origin}/api/session?t=${TOKEN}x`)).status).toBe(403);
    const post = await fetch(`${serve.origin}/api/finish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    // Static files and the relay's health need no token.
    expect((await fetch(`${serve.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${serve.origin}/serve-ui.js`)).status).toBe(200);
  });
});

/** A server without calls to make: stun only, so posts can be scripted without a browser. */
describe('iceprobe serve limits', () => {
  let small: ServeServer;
  const api = (path: string, body?: unknown, token = 'small-token-1') =>
    fetch(`${small.origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-iceprobe-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const gatherFor = (url: string) => ({
    url, candidates: [], errors: [], ended: 'complete', durationMs: 5, firstMs: {}, userAgent: 'test', setupError: null,
  });

  beforeAll(async () => {
    const servers = resolveConfig({ urls: [serve.embedded?.urls.stun ?? ''], env: {} }).servers;
    small = await startServe({
      servers,
      reportsDir: join(dir, 'small'),
      port: 0,
      tokens: ['small-token-1', 'small-token-2', 'small-token-3'],
      browser: visitor,
      limits: { maxBodyBytes: 4_096, requestsPerMinute: 20, reportsPerToken: 1 },
    });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('a tampered post fails zod: 400 with the path; a result for another URL: 400; an oversized body: 413', async () => {
    const s = (await (await api('/api/session')).json()) as { session: string; gather: { url: string }[] };
    const url = s.gather[0]?.url ?? '';

    const tampered = await api('/api/gathered', { session: s.session, results: [{ ...gatherFor(url), durationMs: 'soon' }] });
    expect(tampered.status).toBe(400);
    expect(((await tampered.json()) as { error: string }).error).toMatch(/^invalid: results\[0\]\.durationMs: /);

    const wrongUrl = await api('/api/gathered', { session: s.session, results: [gatherFor('stun:elsewhere.test:3478')] });
    expect(wrongUrl.status).toBe(400);

    const big = await api('/api/gathered', { session: s.session, results: [{ ...gatherFor(url), userAgent: 'x'.repeat(8_000) }] });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toContain('4096');

    // Without Content-Length (chunked): counted while streaming, refused all the same.
    const chunked = await new Promise<number>((resolve, reject) => {
      const port = Number(new URL(small.origin).port);
      const req = request({ host: '127.0.0.1', port, path: '/api/gathered', method: 'POST', headers: { 'content-type': 'application/json', 'x-iceprobe-token': 'small-token-1', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('no answer')));
      for (let i = 0; i < 8; i++) req.write('x'.repeat(1_024));
      req.end();
    });
    expect(chunked).toBe(413);

    const notJson = await api('/api/gathered', '{"session":');
    expect(notJson.status).toBe(400);

    // The session still works with an honest post.
    const ok = await api('/api/gathered', { session: s.session, results: [gatherFor(url)] });
    expect(ok.status).toBe(200);
    const calledTampered = await api('/api/called', { session: s.session, call: 'all', direction: 'up', result: { role: 'caller', ok: 'yes' } });
    expect(calledTampered.status).toBe(400);
  });

  it('stores one report per token at most (429 after), and rate-limits requests per IP (429 + Retry-After)', async () => {
    const token = 'small-token-2';
    const s = (await (await api('/api/session', undefined, token)).json()) as { session: string; gather: { url: string }[] };
    expect((await api('/api/gathered', { session: s.session, results: [gatherFor(s.gather[0]?.url ?? '')] }, token)).status).toBe(200);
    // A media observation that claims a granted stream on a non-secure page: 400 with the path.
    const fakeMedia = { secureContext: false, supported: false, requested: true, granted: true, errorName: null, constraint: null, devices: null, video: null, audio: null, stoppedAll: true, durationMs: 1 };
    const tamperedFinish = await api('/api/finish', { session: s.session, media: fakeMedia }, token);
    expect(tamperedFinish.status).toBe(400);
    expect(((await tamperedFinish.json()) as { error: string }).error).toMatch(/^invalid: media\.requested: /);
    const fin = await api('/api/finish', { session: s.session }, token);
    expect(fin.status).toBe(200);
    const body = (await fin.json()) as { id: string; verdict: PlainVerdict };
    // The call the page never made is a failed call in a partial report, and says so.
    const stored = small.stored.find((x) => x.id === body.id);
    expect(stored?.report.partial).toBe(true);
    expect(body.verdict.kind).toBe('INCOMPLETE');
    expect((await api('/api/session', undefined, token)).status).toBe(429);
    expect((await api('/api/session', undefined, 'small-token-3')).status).toBe(200); // another link has its own quota

    let limited: Response | null = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await api('/api/session', undefined, 'wrong-token-000');
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(403);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
