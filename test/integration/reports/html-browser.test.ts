/**
 * The HTML and JUnit outputs in real headless Chromium (Debian's binary through playwright-core):
 * the report loads from file:// with no console error and no request but itself, shows every
 * section, draws its charts, fits a phone, and screenshots are written. The JUnit XML goes
 * through the browser's own XML parser (DOMParser).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../../reports/html.js';
import { renderJunit } from '../../../reports/junit.js';
import type { Report } from '../../../src/core/schema.js';
import { loadFixture, type FixtureName } from '../../unit/reports/helpers.js';

const CHROMIUM = '/usr/lib/chromium/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

let dir: string;
let context: BrowserContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-report-browser-'));
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
});

afterAll(async () => {
  await context?.close();
  if (process.env['ICEPROBE_KEEP_SCREENSHOTS'] === '1') console.log(`screenshots kept in ${dir}`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Loaded {
  page: Page;
  url: string;
  requests: string[];
  problems: string[];
  dialogs: string[];
}

async function open(name: FixtureName | string, report: Report): Promise<Loaded> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderHtml(report));
  const url = pathToFileURL(file).href;
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  return { page, url, requests, problems, dialogs };
}

describe('HTML report in headless Chromium', () => {
  it.each(['healthy', 'failing', 'partial', 'hostile'] as const)('%s: loads with no console error and no request but the file itself', async (name) => {
    const { page, url, requests, problems, dialogs } = await open(name, loadFixture(name));
    try {
      // Give anything lazy (favicon, fonts) a moment to try; none may.
      await page.waitForTimeout(300);
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      expect(dialogs).toEqual([]);
      expect(await page.locator('script, img, iframe, object, embed').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('healthy: verdict, findings, matrix, waterfalls and throughput charts are rendered and visible', async () => {
    const r = loadFixture('healthy');
    const { page } = await open('healthy-elements', r);
    try {
      await expect(page.locator('#verdict').getAttribute('data-status')).resolves.toBe('pass');
      expect(await page.locator('#verdict .verdict-word').innerText()).toBe('PASS');
      expect(await page.locator('#findings li.finding').count()).toBe(r.findings.length);
      expect(await page.locator('#matrix table.matrix tbody tr').count()).toBe(4);
      expect(await page.locator('#matrix td.cell[data-status="pass"]').count()).toBe(12);
      expect(await page.locator('#candidates tbody tr').count()).toBe(r.candidates.length);
      const waterfalls = page.locator('#timeline svg.waterfall');
      const charts = page.locator('#throughput svg.throughput');
      expect(await waterfalls.count()).toBe(4);
      expect(await charts.count()).toBe(4);
      for (const l of [waterfalls, charts]) {
        for (let i = 0; i < 4; i++) {
          const box = await l.nth(i).boundingBox();
          expect(box?.width).toBeGreaterThan(250);
          expect(box?.height).toBeGreaterThan(100);
        }
      }
      // Bars and points really lie inside their chart (percent coordinates resolved).
      const chart = await charts.first().boundingBox();
      const last = await charts.first().locator('circle.point').last().boundingBox();
      expect(last && chart && last.x + last.width <= chart.x + chart.width + 4).toBe(true);
      expect(last && chart && last.x > chart.x + chart.width * 0.9).toBe(true);
      expect(await page.locator('#throughput circle.point').count()).toBe(48);
      expect(await page.locator('#timeline rect.bar').count()).toBe(28);
      expect(await page.locator('#environment').innerText()).toContain('chromium 156.0.7430.0');
    } finally {
      await page.close();
    }
  });

  it('failing: the verdict is FAIL and the auth finding shows its advice', async () => {
    const r = loadFixture('failing');
    const { page } = await open('failing-elements', r);
    try {
      expect(await page.locator('#verdict .verdict-word').innerText()).toBe('FAIL');
      const auth = page.locator('#findings li[data-code="TURN_AUTH_FAILED"]');
      expect(await auth.count()).toBe(1);
      expect(await auth.locator('.advice').innerText()).toContain(r.findings[0]?.advice);
      expect(await page.locator('#matrix td.cell[data-status="fail"]').count()).toBe(9);
      expect(await page.locator('#timeline g.phase.failed').count()).toBe(3);
    } finally {
      await page.close();
    }
  });

  it('fits a 375 px phone without sideways scrolling, and desktop; screenshots are written', async () => {
    const { page } = await open('failing-shots', loadFixture('failing'));
    try {
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        expect(scrollWidth).toBeLessThanOrEqual(width);
        const shot = join(dir, `failing-${width}.png`);
        await page.screenshot({ path: shot, fullPage: true, timeout: 20_000 });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
      }
      // On a phone the matrix becomes one card per URL with labelled cells.
      await page.setViewportSize({ width: 375, height: 800 });
      expect(await page.locator('#matrix thead').isVisible()).toBe(false);
      const cell = await page.locator('#matrix td.cell').first().boundingBox();
      expect(cell && cell.width).toBeGreaterThan(300);
    } finally {
      await page.close();
    }
  });

  it('print media hides navigation and keeps the verdict', async () => {
    const { page } = await open('print', loadFixture('healthy'));
    try {
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('nav').isVisible()).toBe(false);
      expect(await page.locator('#verdict').isVisible()).toBe(true);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.length).toBeGreaterThan(10_000);
    } finally {
      await page.close();
    }
  });
});

describe('JUnit XML in Chromium’s DOMParser', () => {
  // Plain-string evaluation: no bundler helpers (see NOTES: __name) reach the page.
  const inspect = (xml: string) => `(() => {
    const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
    const err = doc.querySelector('parsererror');
    if (err) return { error: err.textContent };
    const root = doc.documentElement;
    return {
      root: root.nodeName,
      tests: root.getAttribute('tests'),
      suites: [...root.children].filter((e) => e.nodeName === 'testsuite').map((s) => ({
        name: s.getAttribute('name'),
        tests: s.getAttribute('tests'),
        failures: s.getAttribute('failures'),
        cases: [...s.getElementsByTagName('testcase')].map((c) => ({
          classname: c.getAttribute('classname'),
          name: c.getAttribute('name'),
          failure: c.querySelector('failure') ? { type: c.querySelector('failure').getAttribute('type'), message: c.querySelector('failure').getAttribute('message'), text: c.querySelector('failure').textContent } : null,
          skipped: !!c.querySelector('skipped'),
          out: c.querySelector('system-out') ? c.querySelector('system-out').textContent : null,
        })),
      })),
    };
  })()`;

  interface Parsed {
    error?: string;
    root: string;
    tests: string;
    suites: { name: string; tests: string; failures: string; cases: { classname: string; name: string; failure: { type: string; message: string; text: string } | null; skipped: boolean; out: string | null }[] }[];
  }

  it.each(['healthy', 'failing', 'partial', 'hostile'] as const)('%s: parses, with the suites and cases of the report', async (name) => {
    const r = loadFixture(name);
    const page = await context.newPage();
    try {
      const parsed = (await page.evaluate(inspect(renderJunit(r)))) as Parsed;
      expect(parsed.error).toBeUndefined();
      expect(parsed.root).toBe('testsuites');
      expect(parsed.tests).toBe(String(r.checks.length));
      expect(parsed.suites.map((s) => s.name)).toEqual([...new Set(r.checks.map((c) => c.kind))]);
      const cases = parsed.suites.flatMap((s) => s.cases);
      expect(cases).toHaveLength(r.checks.length);
      expect(cases.filter((c) => c.failure !== null)).toHaveLength(r.summary.failed);
      expect(cases.filter((c) => c.skipped)).toHaveLength(r.summary.skipped);
      if (name === 'failing') {
        const auth = r.findings.find((f) => f.code === 'TURN_AUTH_FAILED');
        const authCases = cases.filter((c) => c.failure?.type === 'TURN_AUTH_FAILED');
        expect(authCases).toHaveLength(6);
        for (const c of authCases) {
          expect(c.failure?.message).toBe(auth?.message);
          expect(c.failure?.text).toContain(auth?.advice);
        }
      }
    } finally {
      await page.close();
    }
  });
});
