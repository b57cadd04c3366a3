/**
 * One warm browser for every gather/call probe: launching Chromium costs ~1 s and 100+ MB, so it
 * is started on the first browser probe and reused. It is replaced
 *   - when it died (crash, OOM kill): the next probe gets a new one ("died"),
 *   - after `maxProbes` probes ("probes"), and
 *   - when its processes together use more than `maxRssBytes` ("memory"),
 * so memory stays flat over thousands of probes. A replaced browser finishes the probes it is
 * running and is closed after the last one; new probes go to its successor.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface WarmBrowserLike {
  readonly connected: boolean;
  close(): Promise<void>;
}

export type RestartReason = 'died' | 'probes' | 'memory';

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

  /** Lends the browser to `fn`; launches or replaces it first when needed. */
  async use<T>(fn: (browser: B) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
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

  private async acquire(): Promise<Slot<B>> {
    if (this.stopped) throw new Error('exporter is stopping');
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
    return this.take(await this.launching);
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

/**
 * Resident memory of this process's Chromium descendants (Linux /proc; null elsewhere): the
 * browser, its GPU/network utility processes and renderers. Only processes named chrom* count,
 * so a coturn a test started in-process is not mistaken for the browser.
 */
export function browserRss(rootPid = process.pid): number | null {
  if (process.platform !== 'linux') return null;
  const page = 4096;
  let total = 0;
  const seen = new Set<number>();
  const walk = (pid: number) => {
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
        try {
          if (/chrom/i.test(readFileSync(`/proc/${k}/comm`, 'utf8'))) total += Number(readFileSync(`/proc/${k}/statm`, 'utf8').split(' ')[1] ?? 0) * page;
        } catch {
          // it exited meanwhile
        }
        walk(k);
      }
    }
  };
  walk(rootPid);
  return total;
}
