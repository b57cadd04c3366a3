/**
 * The echo peer: `iceprobe serve`'s own side of every visitor's call. One headless Chromium
 * (BrowserOwner) per server; one page per visit, with the same probe page the CLI drives
 * (probes/index.html → window.iceprobe.call), so the visitor's browser calls a real browser
 * through the configured TURN servers and the serve process's signaling relay.
 */
import type { Page } from 'playwright-core';
import type { BrowserOwner } from '../../browser/owner.js';
import type { CallResult, CallSpec } from '../../../probes/types.js';

export function callFailure(role: CallSpec['role'], error: string): CallResult {
  return {
    role, ok: false, failedPhase: 'internal', error, phases: [], iceStates: [], localCandidates: [], remoteCandidates: [],
    selectedPair: null, selectedPairChanges: null, samples: [], bytes: 0, appBytes: 0, dataMs: 0, rtts: [], media: null,
  };
}

export class EchoPeer {
  private readonly pages = new Set<Page>();
  private running = 0;
  private closed = false;

  constructor(
    private readonly browser: BrowserOwner,
    /** Where the echo page loads the probe page from (the serve server, seen from this machine). */
    private readonly origin: string,
  ) {}

  /** Calls in progress across every visit. */
  get active(): number {
    return this.running;
  }

  /** A fresh page with the probe page loaded; bounded. */
  async openPage(timeoutMs = 10_000): Promise<Page> {
    if (this.closed) throw new Error('echo peer closed');
    const page = await this.browser.newPage();
    this.pages.add(page);
    page.once('close', () => this.pages.delete(page));
    try {
      await page.goto(`${this.origin}/index.html`, { timeout: timeoutMs, waitUntil: 'load' });
      await page.waitForFunction('window.iceprobe && window.iceprobe.ready === true', undefined, { timeout: timeoutMs, polling: 20 });
    } catch (e) {
      await page.close().catch(() => undefined);
      throw e;
    }
    return page;
  }

  /** Runs one side of a call in `page`; never rejects (a failure is a CallResult). */
  async run(page: Page, spec: CallSpec): Promise<CallResult> {
    const bound = spec.setupTimeoutMs + spec.durationMs + 8_000;
    this.running++;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        page.evaluate(`window.iceprobe.call(${JSON.stringify(spec)})`) as Promise<CallResult>,
        new Promise<CallResult>((resolve) => {
          timer = setTimeout(() => resolve(callFailure(spec.role, `no answer from the echo page within ${bound} ms`)), bound);
        }),
      ]).catch((e: Error) => callFailure(spec.role, e.message.split('\n')[0] ?? 'echo page error'));
    } finally {
      clearTimeout(timer);
      this.running--;
    }
  }

  /** Closes every echo page, bounded: a wedged page is left to the browser's own close. */
  async close(boundMs = 3_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.pages].map((p) => p.close().catch(() => undefined))),
      new Promise<void>((r) => (timer = setTimeout(r, boundMs))),
    ]);
    clearTimeout(timer);
  }
}
