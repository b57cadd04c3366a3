import { describe, expect, it } from 'vitest';
import { WarmBrowser, browserRss, type RestartReason } from '../../../src/services/exporter/browser-pool.js';

class FakeBrowser {
  connected = true;
  closed = false;
  constructor(readonly n: number) {}
  async close() {
    this.closed = true;
    this.connected = false;
  }
}

function pool(o: { maxProbes?: number; maxRssBytes?: number; rss?: () => number | null } = {}) {
  const made: FakeBrowser[] = [];
  const restarts: RestartReason[] = [];
  const warm = new WarmBrowser<FakeBrowser>({
    launch: async () => {
      const b = new FakeBrowser(made.length);
      made.push(b);
      return b;
    },
    maxProbes: o.maxProbes ?? 100,
    maxRssBytes: o.maxRssBytes ?? 1e12,
    rss: o.rss ?? (() => 0),
    onRestart: (r) => restarts.push(r),
  });
  return { warm, made, restarts };
}

describe('warm browser', () => {
  it('launches once for concurrent probes and reuses it', async () => {
    const { warm, made } = pool();
    const seen = await Promise.all([1, 2, 3].map(() => warm.use(async (b) => b.n)));
    expect(seen).toEqual([0, 0, 0]);
    expect(await warm.use(async (b) => b.n)).toBe(0);
    expect(made).toHaveLength(1);
  });

  it('replaces a browser that died', async () => {
    const { warm, made, restarts } = pool();
    await warm.use(async (b) => {
      b.connected = false; // crashed mid-probe
    });
    expect(await warm.use(async (b) => b.n)).toBe(1);
    expect(restarts).toEqual(['died']);
    expect(made).toHaveLength(2);
  });

  it('replaces it after maxProbes uses, closing the old one once its probes end', async () => {
    const { warm, made, restarts } = pool({ maxProbes: 2 });
    await warm.use(async () => undefined);
    let release!: () => void;
    const long = warm.use(() => new Promise<number>((r) => (release = () => r(1))));
    // The third probe gets a new browser while the second still runs on the old one.
    expect(await warm.use(async (b) => b.n)).toBe(1);
    expect(restarts).toEqual(['probes']);
    expect(made[0]?.closed).toBe(false);
    release();
    await long;
    expect(made[0]?.closed).toBe(true);
  });

  it('replaces it when its memory grows past the bound', async () => {
    let rss = 100;
    const { warm, restarts } = pool({ maxRssBytes: 1_000, rss: () => rss });
    expect(await warm.use(async (b) => b.n)).toBe(0);
    rss = 5_000;
    expect(await warm.use(async (b) => b.n)).toBe(1);
    expect(restarts).toEqual(['memory']);
  });

  it('refuses probes after close, and closes the browser', async () => {
    const { warm, made } = pool();
    await warm.use(async () => undefined);
    await warm.close();
    expect(made[0]?.closed).toBe(true);
    await expect(warm.use(async () => 1)).rejects.toThrow(/stopping/);
  });

  it('reads the memory of chromium descendants only (none here)', () => {
    const r = browserRss();
    if (process.platform === 'linux') expect(r).toBe(0);
    else expect(r).toBeNull();
  });
});
