/**
 * One warm browser per engine for the gather/call probes: launching Chromium costs ~1 s and
 * 100+ MB (Firefox ~4 s), so each engine's browser is started on the first probe that needs that
 * engine and reused (an exporter whose modules are all Chromium never starts Firefox). Each is
 * replaced on its own
 *   - when it died (crash, OOM kill): the next probe gets a new one ("died"),
 *   - after `maxProbes` probes ("probes"), and
 *   - when its processes together use more than `maxRssBytes` ("memory"),
 * so memory stays flat over thousands of probes. A replaced browser finishes the probes it is
 * running and is closed after the last one; new probes go to its successor.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { EngineName } from '../../core/ids.js';

export interface WarmBrowserLike {
  readonly connected: boolean;
  close(): Promise<void>;
}

export type RestartReason = 'died' | 'probes' | 'memory';

/** A probe stopped waiting for a browser that was still starting (its signal aborted). */
export class BrowserWaitAborted extends Error {
  override readonly name = 'BrowserWaitAborted';
  constructor() {
    super('stopped while the browser was still starting');
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BrowserWaitAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface WarmBrowserOptions<B extends WarmBrowserLike> {
  launch: () => Promise<B>;
  maxProbes: number;
  maxRssBytes: number;
  /** Resident memory of the browser's processes (default: browserRss, from /proc). */
  rss?: () => number | null;
  onRestart?: (reason: RestartReason) => void;
}

interface Slot<B> {
  browser: B;
  uses: number;
  active: number;
  retired: boolean;
}

export class WarmBrowser<B extends WarmBrowserLike> {
  private current: Slot<B> | null = null;
  private launching: Promise<Slot<B>> | null = null;
  private readonly closing = new Set<Promise<void>>();
  private stopped = false;
  launches = 0;

  constructor(private readonly o: WarmBrowserOptions<B>) {}

  /**
   * Lends the browser to `fn`; launches or replaces it first when needed. A probe whose `signal`
   * aborts while the browser is still starting stops waiting at once (BrowserWaitAborted): the
   * launch goes on and the browser serves the next probe (Firefox takes ~4 s to start, more than
   * a short scrape timeout).
   */
  async use<T>(fn: (browser: B) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const slot = await this.acquire(signal);
    try {
      return await fn(slot.browser);
    } finally {
      slot.active--;
      if (!slot.browser.connected) this.retire(slot, 'died');
      else if (slot.retired && slot.active === 0) this.closeSlot(slot);
    }
  }

  /** Whether a browser is up now (for /metrics). */
  get up(): boolean {
    return this.current !== null && this.current.browser.connected;
  }

  private async acquire(signal?: AbortSignal): Promise<Slot<B>> {
    if (this.stopped) throw new Error('exporter is stopping');
    if (signal?.aborted) throw new BrowserWaitAborted();
    const c = this.current;
    if (c) {
      if (!c.browser.connected) this.retire(c, 'died');
      else if (c.uses >= this.o.maxProbes) this.retire(c, 'probes');
      else if (((this.o.rss ?? browserRss)() ?? 0) > this.o.maxRssBytes) this.retire(c, 'memory');
      if (this.current) return this.take(this.current);
    }
    if (!this.launching) {
      this.launching = this.o
        .launch()
        .then((browser) => {
          this.launches++;
          const slot: Slot<B> = { browser, uses: 0, active: 0, retired: false };
          if (this.stopped) {
            void browser.close();
            throw new Error('exporter is stopping');
          }
          this.current = slot;
          return slot;
        })
        .finally(() => (this.launching = null));
    }
    return this.take(await untilAborted(this.launching, signal));
  }

  /** Counted at once, so probes that arrive together see each other's uses. */
  private take(slot: Slot<B>): Slot<B> {
    slot.uses++;
    slot.active++;
    return slot;
  }

  private retire(slot: Slot<B>, reason: RestartReason): void {
    if (slot.retired) return;
    slot.retired = true;
    if (this.current === slot) this.current = null;
    this.o.onRestart?.(reason);
    if (slot.active === 0) this.closeSlot(slot);
  }

  private closeSlot(slot: Slot<B>): void {
    const p = slot.browser.close().catch(() => undefined);
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /** Closes the browser (after its running probes are aborted by the caller) and refuses new probes. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.launching?.catch(() => undefined);
    if (this.current) {
      const slot = this.current;
      this.current = null;
      slot.retired = true;
      this.closeSlot(slot);
    }
    await Promise.all([...this.closing]);
  }
}

export interface WarmBrowsersOptions<B extends WarmBrowserLike> {
  launch: (engine: EngineName) => Promise<B>;
  /** Read at each probe (a reload may change them); the same bound for each engine's browser. */
  maxProbes: () => number;
  maxRssBytes: () => number;
  rss?: (engine: EngineName) => number | null;
  onRestart?: (engine: EngineName, reason: RestartReason) => void;
}

/** The warm browsers, one per engine, each a WarmBrowser created by the first probe that needs it. */
export class WarmBrowsers<B extends WarmBrowserLike> {
  private readonly pools = new Map<EngineName, WarmBrowser<B>>();
  private stopped = false;

  constructor(private readonly o: WarmBrowsersOptions<B>) {}

  /** Lends `engine`'s browser to `fn`; launches or replaces it first when needed (see WarmBrowser.use for `signal`). */
  use<T>(engine: EngineName, fn: (browser: B) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('exporter is stopping'));
    let pool = this.pools.get(engine);
    if (!pool) {
      const o = this.o;
      pool = new WarmBrowser<B>({
        launch: () => o.launch(engine),
        get maxProbes() {
          return o.maxProbes();
        },
        get maxRssBytes() {
          return o.maxRssBytes();
        },
        rss: () => (o.rss ?? browserRss)(engine),
        onRestart: (reason) => o.onRestart?.(engine, reason),
      });
      this.pools.set(engine, pool);
    }
    return pool.use(fn, signal);
  }

  /** The engines a probe has asked for so far. */
  engines(): EngineName[] {
    return [...this.pools.keys()];
  }

  up(engine: EngineName): boolean {
    return this.pools.get(engine)?.up ?? false;
  }

  launches(engine: EngineName): number {
    return this.pools.get(engine)?.launches ?? 0;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

/** How each engine's processes are named (/proc/<pid>/comm): Chromium's chromium/chrome, Firefox's firefox/firefox-esr. */
const PROCESS_NAME: Record<EngineName, RegExp> = { chromium: /chrom/i, firefox: /firefox/i };

/**
 * Resident memory of this process's browser descendants of one engine (Linux /proc; null
 * elsewhere): each process named like the engine's browser (PROCESS_NAME) with its whole process
 * tree, so Chromium's GPU/network utility processes and renderers and Firefox's content, socket
 * and RDD processes ("Web Content", "Socket Process", …) count, and a coturn a test started
 * in-process is never mistaken for a browser.
 */
export function browserRss(engine: EngineName = 'chromium', rootPid = process.pid): number | null {
  if (process.platform !== 'linux') return null;
  const page = 4096;
  const name = PROCESS_NAME[engine];
  let total = 0;
  const seen = new Set<number>();
  const walk = (pid: number, inBrowser: boolean) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids: string;
      try {
        kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(/\s+/).filter(Boolean).map(Number)) {
        if (seen.has(k)) continue;
        seen.add(k);
        let counts = inBrowser;
        try {
          counts ||= name.test(readFileSync(`/proc/${k}/comm`, 'utf8'));
          if (counts) total += Number(readFileSync(`/proc/${k}/statm`, 'utf8').split(' ')[1] ?? 0) * page;
        } catch {
          // it exited meanwhile
        }
        walk(k, counts);
      }
    }
  };
  walk(rootPid, false);
  return total;
}
