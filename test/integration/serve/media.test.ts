/**
 * The serve page's opt-in camera/microphone check in real headless Chromium, on loopback.
 * How each browser outcome is produced (Debian Chromium, measured):
 *   granted        --use-fake-device-for-media-stream --use-fake-ui-for-media-stream (640×480, 20 fps)
 *   denied         --use-fake-device-for-media-stream alone: Playwright's context has no grant,
 *                  so getUserMedia rejects with NotAllowedError (no prompt in headless)
 *   no camera      --use-fake-device-for-media-stream=device-count=0: fake microphone, no camera → NotFoundError
 *   not secure     a real non-secure origin on loopback: --host-resolver-rules maps serve.test to
 *                  127.0.0.1, and http://serve.test:<port> is not potentially trustworthy
 *                  (only localhost / 127.0.0.0/8 / ::1 are), so isSecureContext is false and
 *                  navigator.mediaDevices is absent.
 * The server tests a STUN-only config (one short policy-all call), so each visit is quick.
 *
 * Needs `npx tsc -p .` first: the page's modules are served from dist/probes/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserOwner } from '../../../src/browser/owner.js';
import { CheckCode } from '../../../src/core/codes.js';
import { resolveConfig } from '../../../src/config/config.js';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import type { Check, Report } from '../../../src/core/schema.js';
import { startServe, type ServeServer } from '../../../src/services/serve/server.js';
import { plainVerdict, type PlainVerdict } from '../../../src/services/serve/verdict.js';
import type { MediaObservation } from '../../../probes/serve-media.js';

const TOKEN = 'media-token-4c1b7e';
/** Debian's full Chromium (scripts/setup installs it beside the headless shell). */
const FULL_CHROMIUM = '/usr/lib/chromium/chromium';
let dir: string;
let coturn: Coturn;
let serve: ServeServer;
let fake: BrowserOwner; // fake camera+mic, auto-granted; also serve's echo peer; maps serve.test
let denying: BrowserOwner;
let noCamera: BrowserOwner;

/** Counts getUserMedia calls before the page's own code runs. */
const COUNT_GUM = `(() => {
  window.__gumCalls = 0;
  const md = navigator.mediaDevices;
  if (md && typeof md.getUserMedia === 'function') {
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => { window.__gumCalls++; return orig(c); };
  }
})();`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-serve-media-'));
  [coturn, fake, denying, noCamera] = await Promise.all([
    startCoturn(),
    BrowserOwner.launch({ fakeMedia: true, extraArgs: ['--host-resolver-rules=MAP serve.test 127.0.0.1'] }),
    // A visitor who refuses: the full Chromium's headless mode answers the unanswered prompt
    // with a denial (NotAllowedError), as a user pressing Block would. The headless shell
    // iceprobe prefers has no prompt at all and says NotSupportedError instead.
    BrowserOwner.launch({ extraArgs: ['--use-fake-device-for-media-stream'], executablePath: FULL_CHROMIUM }),
    BrowserOwner.launch({ extraArgs: ['--use-fake-device-for-media-stream=device-count=0', '--use-fake-ui-for-media-stream'] }),
  ]);
  const servers = resolveConfig({ urls: [coturn.urls.stun], env: {} }).servers;
  serve = await startServe({ servers, reportsDir: join(dir, 'reports'), port: 0, tokens: [TOKEN], durationS: 0.5, browser: fake });
}, 60_000);
afterAll(async () => {
  await serve?.close();
  await Promise.all([fake?.close(), denying?.close(), noCamera?.close(), coturn?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PageState {
  state: string;
  result: { id: string; verdict: PlainVerdict } | null;
  error: { status: number; reason: string } | null;
  media: { availability: string; observation: MediaObservation | null };
}

interface Visit {
  st: PageState;
  gumCalls: number;
  report: Report;
  media: Check | undefined;
  shown: { headline: string; lines: string[] };
  offered: boolean;
  explained: string;
}

/** Opens the link like a person, presses `button`, waits for the result; bounded. */
async function visit(browser: BrowserOwner, button: '#start' | '#media-start' | ['#start', '#media-start'], origin = serve.origin): Promise<Visit> {
  const page = await browser.newPage();
  try {
    await page.addInitScript(COUNT_GUM);
    await page.goto(`${origin}/?t=${TOKEN}`, { timeout: 10_000 });
    await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000, state: 'attached' });
    const offered = await page.isVisible('#media-start');
    const explained = (await page.textContent('#media-status')) ?? '';
    const buttons = Array.isArray(button) ? button : [button];
    for (const b of buttons) await page.click(b, { timeout: 5_000 });
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000, state: 'attached' });
    const st = (await page.evaluate('window.iceprobeServe')) as PageState;
    expect(st.error).toBeNull();
    const gumCalls = (await page.evaluate('window.__gumCalls')) as number;
    const headline = (await page.textContent('#headline')) ?? '';
    const lines = await page.$$eval('#lines li', (els) => els.map((e) => e.textContent ?? ''));
    const stored = serve.stored.find((s) => s.id === st.result?.id);
    if (!stored) throw new Error(`no stored report for the page's result id ${st.result?.id ?? '(none)'}`);
    return { st, gumCalls, report: stored.report, media: stored.report.checks.find((c) => c.kind === 'media'), shown: { headline, lines }, offered, explained };
  } finally {
    await page.close();
  }
}

function expectPageShowsStored(v: Visit): void {
  const stored = plainVerdict(v.report);
  expect(v.shown).toEqual({ headline: stored.headline, lines: stored.lines });
  expect(v.st.result?.verdict).toEqual(stored);
  expect(v.report.origin).toMatchObject({ kind: 'serve', resultId: v.st.result?.id });
}

describe('serve page: camera and microphone, only with consent and only in a secure context', () => {
  it('without the button press getUserMedia is never called: MEDIA_NOT_REQUESTED (skip)', async () => {
    const v = await visit(fake, '#start');
    expect(v.offered).toBe(true);
    expect(v.gumCalls).toBe(0);
    expect(v.st.media).toEqual({ availability: 'offer', observation: null });
    expect(v.media).toMatchObject({ id: 'media', status: 'skip', code: CheckCode.MEDIA_NOT_REQUESTED });
    expect(v.st.result?.verdict.media).toEqual({ status: 'skip', code: CheckCode.MEDIA_NOT_REQUESTED });
    expectPageShowsStored(v);
    // The report's origin carries the browser's own User-Agent header.
    expect((v.report.origin as { userAgent: string }).userAgent).toMatch(/Chrome\//);
  });

  it('with the press (the fake camera and microphone): MEDIA_OK with the settings, every track stopped', async () => {
    const v = await visit(fake, '#media-start');
    expect(v.gumCalls).toBe(1);
    expect(v.st.media.observation).toMatchObject({ requested: true, granted: true, stoppedAll: true });
    expect(v.media).toMatchObject({ status: 'pass', code: CheckCode.MEDIA_OK, details: { video: { width: 640, height: 480, frameRate: 20 }, stoppedAll: true } });
    expect((v.media?.details.devices as { videoinput: number }).videoinput).toBeGreaterThan(0);
    expect(v.st.result?.verdict.media).toEqual({ status: 'pass', code: CheckCode.MEDIA_OK });
    expectPageShowsStored(v);
  });

  it('pressed while the network test runs: one run, the outcome is in its report', async () => {
    const v = await visit(fake, ['#start', '#media-start']);
    expect(v.gumCalls).toBe(1);
    expect(v.media?.code).toBe(CheckCode.MEDIA_OK);
    expectPageShowsStored(v);
  });

  it('a browser that refuses permission: MEDIA_PERMISSION_DENIED, and the page says so (MEDIA_PROBLEM)', async () => {
    const v = await visit(denying, '#media-start');
    expect(v.gumCalls).toBe(1);
    expect(v.media).toMatchObject({ status: 'fail', code: CheckCode.MEDIA_PERMISSION_DENIED, details: { errorName: 'NotAllowedError' } });
    expect(v.st.result?.verdict).toMatchObject({ kind: 'MEDIA_PROBLEM', tone: 'warn', media: { code: CheckCode.MEDIA_PERMISSION_DENIED } });
    expect(v.st.result?.verdict.codes).toContain(CheckCode.MEDIA_PERMISSION_DENIED);
    expectPageShowsStored(v);
  });

  it('a browser with a microphone but no camera: NO_CAMERA', async () => {
    const v = await visit(noCamera, '#media-start');
    expect(v.media).toMatchObject({ status: 'fail', code: CheckCode.NO_CAMERA, details: { errorName: 'NotFoundError', devices: { videoinput: 0 } } });
    expect((v.media?.details.devices as { audioinput: number }).audioinput).toBeGreaterThan(0);
    expect(v.st.result?.verdict.kind).toBe('MEDIA_PROBLEM');
    expectPageShowsStored(v);
  });

  it('a non-secure origin (http://serve.test → 127.0.0.1): no button, an explanation, MEDIA_NOT_SECURE_CONTEXT', async () => {
    const port = new URL(serve.origin).port;
    const v = await visit(fake, '#start', `http://serve.test:${port}`);
    expect(v.offered).toBe(false);
    expect(v.explained.length).toBeGreaterThan(20);
    expect(v.st.media).toEqual({ availability: 'not-secure', observation: null });
    expect(v.gumCalls).toBe(0);
    expect(v.media).toMatchObject({ status: 'skip', code: CheckCode.MEDIA_NOT_SECURE_CONTEXT, details: { secureContext: false, requested: false } });
    expectPageShowsStored(v);
  });
});
