import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleResults, listStored, presentedToken, tokenEquals } from '../../../src/services/serve/results-page.js';
import { renderHtml } from '../../../reports/html.js';
import { loadFixture } from '../../unit/reports/helpers.js';

const TOKEN = 'results-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'iceprobe-results-'));
let server: Server;
let base = '';

beforeAll(async () => {
  const healthy = loadFixture('healthy');
  const failing = loadFixture('failing');
  const a = { ...healthy, startedAt: '2026-12-01T10:00:00.000Z', origin: { kind: 'serve' as const, resultId: 'aaaa2222bb', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156' } };
  const b = { ...failing, startedAt: '2026-12-01T11:00:00.000Z', origin: { kind: 'serve' as const, resultId: 'cccc3333dd', userAgent: null } };
  writeFileSync(join(dir, '20261201T100000Z-aaaa2222bb.json'), JSON.stringify(a));
  writeFileSync(join(dir, '20261201T100000Z-aaaa2222bb.html'), renderHtml(a));
  writeFileSync(join(dir, '20261201T110000Z-cccc3333dd.json'), JSON.stringify(b));
  writeFileSync(join(dir, '20261201T110000Z-cccc3333dd.html'), renderHtml(b));
  writeFileSync(join(dir, 'secret.txt'), 'not a report');
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!handleResults(req, res, path, { dir, token: TOKEN })) {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('results page', () => {
  it('compares tokens in constant time (hashes of equal length), and reads Bearer or Basic', () => {
    expect(tokenEquals(TOKEN, TOKEN)).toBe(true);
    expect(tokenEquals(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenEquals('', TOKEN)).toBe(false);
    expect(presentedToken({ headers: { authorization: `Bearer ${TOKEN}` } })).toBe(TOKEN);
    expect(presentedToken({ headers: { authorization: basic('anyone', TOKEN) } })).toBe(TOKEN);
    expect(presentedToken({ headers: {} })).toBeNull();
  });

  it('no token or a wrong one: 401 with a Basic challenge, nothing listed', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-xxxxxxxx' }, { authorization: basic('op', 'nope') }] as Record<string, string>[]) {
      const r = await fetch(`${base}/results`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="iceprobe results"/);
      const text = await r.text();
      expect(text).not.toContain('aaaa2222bb');
    }
    expect((await fetch(`${base}/results/20261201T100000Z-aaaa2222bb.html`)).status).toBe(401);
  });

  it('lists stored reports newest first: time, verdict, browser, network, id, a link to each HTML report', async () => {
    const r = await fetch(`${base}/results`, { headers: { authorization: basic('op', TOKEN) } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await r.text();
    const ids = [...html.matchAll(/data-result-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['cccc3333dd', 'aaaa2222bb']);
    expect(html).toContain('href="/results/20261201T110000Z-cccc3333dd.html"');
    expect(html).toMatch(/<span class="v v-fail">FAIL<\/span>/);
    expect(html).toMatch(/<span class="v v-pass">PASS<\/span>/);
    expect(html).toContain('chromium 156');
    expect(html).toMatch(/public 198\.18\.0\.2|public 127\.0\.0\.1/);
    expect(html).toContain('<time datetime="2026-12-01T11:00:00.000Z">');
    expect(listStored(dir)).toHaveLength(2);
  });

  it('serves a stored HTML report, and nothing else of the directory', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ok = await fetch(`${base}/results/20261201T100000Z-aaaa2222bb.html`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Measured in a visitor');
    for (const p of ['/results/secret.txt', '/results/20261201T100000Z-aaaa2222bb.json', '/results/..%2Fetc%2Fpasswd', '/results/20261201T120000Z-zzzz9999zz.html']) {
      expect((await fetch(`${base}${p}`, { headers: auth })).status, p).toBe(404);
    }
  });

  it('without a configured token the page does not exist', async () => {
    const off = createServer((req, res) => void handleResults(req, res, '/results', { dir, token: null }));
    await new Promise<void>((r) => off.listen(0, '127.0.0.1', r));
    const addr = off.address();
    const r = await fetch(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/results`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(404);
    await new Promise((r2) => off.close(r2));
  });
});
