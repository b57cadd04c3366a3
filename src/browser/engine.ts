/**
 * The one browser interface the rest of iceprobe drives: an engine-neutral browser that opens
 * isolated probe pages. Gathering, calls and the run orchestration only ever see `ProbeBrowser`
 * and `ProbePage`; which engine (and which automation library) is behind them is decided once,
 * in `launchBrowser` (./launch.ts):
 *   chromium  Playwright (playwright-core, CDP)          ./owner.ts
 *   firefox   puppeteer-core over WebDriver BiDi         ./firefox.ts
 * The page code in probes/ runs unchanged in both; it is reached through `window.iceprobe`.
 */

import { accessSync, constants, existsSync } from 'node:fs';
import { EnvironmentError } from '../core/errors.js';
import type { EngineName } from '../core/ids.js';

/** The browser engines iceprobe can run its in-browser probes in. */
export type Engine = EngineName;
export const ENGINES: readonly Engine[] = ['chromium', 'firefox'];

/** What gathering and calls need of a page (a Playwright page fits too: the benchmarks pass one). */
export interface PageEvaluator {
  evaluate(expression: string): Promise<unknown>;
}

/** One page in its own isolated context (its own "user": cookies, connections, permissions). */
export interface ProbePage extends PageEvaluator {
  /** Navigates and waits for the load event, bounded by `timeoutMs`. */
  goto(url: string, timeoutMs: number): Promise<void>;
  /** Evaluates a JavaScript expression in the page; a promise it yields is awaited. */
  close(): Promise<void>;
}

export interface ProbeBrowser {
  readonly engine: Engine;
  /** What the report's environment.browser.name says ('chromium', 'firefox'). */
  readonly name: string;
  readonly version: string;
  readonly executablePath: string | null;
  /** What became of --ca-file in this browser (report: environment.browser.caTrust); absent when none was given. */
  readonly caTrust?: { status: 'trusted'; certificates: number } | { status: 'unavailable'; reason: string } | null;
  /** False once closed or once the browser process went away (crash, OOM kill): a long-lived owner (the exporter) replaces it then. */
  readonly connected: boolean;
  /** A new page in a new isolated context. */
  newProbePage(): Promise<ProbePage>;
  /** Idempotent and bounded: the browser process (and any profile directory) is gone afterwards. */
  close(): Promise<void>;
}

/** Options every engine understands; an engine ignores what does not apply to it. */
export interface LaunchOptions {
  /** The browser binary; undefined: the engine's well-known locations. */
  executablePath?: string | undefined;
  /** Accept self-signed TURNS certificates (lab/embedded only). */
  insecureTls?: boolean;
  /** Fake camera and microphone, no permission prompt. */
  fakeMedia?: boolean;
  launchTimeoutMs?: number;
}

/** How long a browser may take to close politely before what survived is killed. */
export const BROWSER_CLOSE_BOUND_MS = 5_000;

/**
 * Every engine's close: ask the browser to close, wait at most `boundMs`, then `after` (kill what
 * survived, remove the profile or temporary HOME). The bound's timer is cleared, so a library
 * caller's process does not stay alive for it.
 */
export async function closeBounded(close: () => Promise<unknown>, after: () => void, boundMs = BROWSER_CLOSE_BOUND_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, boundMs)))]);
  clearTimeout(timer);
  after();
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An explicitly given browser binary (`flag`: the option that named it), or EnvironmentError saying what is wrong with it. */
export function explicitExecutable(flag: string, path: string, example: string): string {
  if (!isExecutable(path)) throw new EnvironmentError(`${flag} ${path}: ${existsSync(path) ? 'not executable' : 'no such file'}; give the path of ${example}`);
  return path;
}

/** Opens the probe page at `origin` and waits (bounded) until `window.iceprobe` is ready. */
export async function openProbePage(browser: ProbeBrowser, origin: string, timeoutMs = 10_000): Promise<ProbePage> {
  const page = await browser.newProbePage();
  try {
    await page.goto(`${origin}/`, timeoutMs);
    // Module scripts run before "load", so this is normally true at once.
    const deadline = Date.now() + timeoutMs;
    while ((await page.evaluate('Boolean(window.iceprobe && window.iceprobe.ready)')) !== true) {
      if (Date.now() > deadline) throw new Error(`the probe page at ${origin}/ did not become ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return page;
  } catch (e) {
    await page.close().catch(() => undefined);
    throw e;
  }
}
