import { describe, expect, it } from 'vitest';
import { BrowserWaitAborted, WarmBrowser, WarmBrowsers, browserRss, type RestartReason } from '../../../src/services/exporter/browser-pool.js';
import type { EngineName } from '../../../src/core/ids.js';
import { render } from '../../../src/services/exporter/exposition.js';
import { ExporterMetrics } from '../../../src/services/exporter/own-metrics.js';

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

  it('a probe whose signal aborts stops waiting for a browser still starting; the launch goes on for the next one', async () => {
    let finish!: (b: FakeBrowser) => void;
    let launches = 0;
    const warm = new WarmBrowser<FakeBrowser>({
      launch: () => {
        launches++;
        return new Promise((r) => (finish = r));
      },
      maxProbes: 100,
      maxRssBytes: 1e12,
      rss: () => 0,
    });
    const ac = new AbortController();
    const waiting = warm.use(async (b) => b.n, ac.signal);
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(BrowserWaitAborted);
    await expect(warm.use(async () => 1, ac.signal)).rejects.toBeInstanceOf(BrowserWaitAborted); // already aborted: not even queued
    const next = warm.use(async (b) => b.n);
    finish(new FakeBrowser(7));
    expect(await next).toBe(7);
    expect(launches).toBe(1);
  });

  it('a launch that fails after every waiter left is no unhandled rejection, and the next probe launches again', async () => {
    let fail!: (e: Error) => void;
    let launches = 0;
    const warm = new WarmBrowser<FakeBrowser>({
      launch: () => {
        launches++;
        return launches === 1 ? new Promise((_, reject) => (fail = reject)) : Promise.resolve(new FakeBrowser(launches));
      },
      maxProbes: 100,
      maxRssBytes: 1e12,
      rss: () => 0,
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const ac = new AbortController();
      const waiting = warm.use(async () => 1, ac.signal);
      ac.abort();
      await expect(waiting).rejects.toBeInstanceOf(BrowserWaitAborted);
      fail(new Error('no such binary'));
      await new Promise((r) => setImmediate(r));
      expect(await warm.use(async (b) => b.n)).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reads the memory of one engine\'s descendants only (none here)', () => {
    for (const engine of ['chromium', 'firefox'] as const) {
      const r = browserRss(engine);
      if (process.platform === 'linux') expect(r).toBe(0);
      else expect(r).toBeNull();
    }
  });
});

class EngineBrowser extends FakeBrowser {
  constructor(
    readonly engine: EngineName,
    n: number,
  ) {
    super(n);
  }
}

describe('warm browsers, one per engine', () => {
  function pools(o: { maxProbes?: number; rss?: Partial<Record<EngineName, number>> } = {}) {
    const made: EngineBrowser[] = [];
    const restarts: string[] = [];
    const warm = new WarmBrowsers<EngineBrowser>({
      launch: async (engine) => {
        const b = new EngineBrowser(engine, made.length);
        made.push(b);
        return b;
      },
      maxProbes: () => o.maxProbes ?? 100,
      maxRssBytes: () => 1_000,
      rss: (engine) => o.rss?.[engine] ?? 0,
      onRestart: (engine, r) => restarts.push(`${engine} ${r}`),
    });
    return { warm, made, restarts };
  }

  it('starts an engine\'s browser with the first probe that needs it, and only then', async () => {
    const { warm, made } = pools();
    expect(warm.engines()).toEqual([]);
    expect(await warm.use('chromium', async (b) => b.engine)).toBe('chromium');
    expect(made.map((b) => b.engine)).toEqual(['chromium']);
    expect(warm.up('firefox')).toBe(false);
    expect(warm.launches('firefox')).toBe(0);
    expect(await Promise.all([warm.use('firefox', async (b) => b.n), warm.use('firefox', async (b) => b.n), warm.use('chromium', async (b) => b.n)])).toEqual([1, 1, 0]);
    expect(made.map((b) => b.engine)).toEqual(['chromium', 'firefox']);
    expect(warm.engines()).toEqual(['chromium', 'firefox']);
    expect([warm.up('chromium'), warm.up('firefox'), warm.launches('chromium'), warm.launches('firefox')]).toEqual([true, true, 1, 1]);
  });

  it('replaces each engine\'s browser on its own (died, probe count), with the engine in the restart', async () => {
    const { warm, made, restarts } = pools({ maxProbes: 2 });
    await warm.use('chromium', async () => undefined);
    await warm.use('firefox', async () => undefined);
    (made[1] as EngineBrowser).connected = false; // Firefox died
    expect(await warm.use('firefox', async (b) => b.n)).toBe(2);
    expect(await warm.use('chromium', async (b) => b.n)).toBe(0);
    expect(await warm.use('chromium', async (b) => b.n)).toBe(3); // Chromium's third probe: past maxProbes 2
    expect(restarts).toEqual(['firefox died', 'chromium probes']);
    expect(made[0]?.closed).toBe(true);
  });

  it('bounds each engine\'s memory by its own processes', async () => {
    const rss: Partial<Record<EngineName, number>> = {};
    const { warm, restarts } = pools({ rss });
    await warm.use('chromium', async () => undefined);
    await warm.use('firefox', async () => undefined);
    rss.firefox = 5_000;
    expect(await warm.use('chromium', async (b) => b.n)).toBe(0);
    expect(await warm.use('firefox', async (b) => b.n)).toBe(2);
    expect(restarts).toEqual(['firefox memory']);
  });

  it('closes every engine\'s browser and refuses probes after close', async () => {
    const { warm, made } = pools();
    await warm.use('chromium', async () => undefined);
    await warm.use('firefox', async () => undefined);
    await warm.close();
    expect(made.map((b) => b.closed)).toEqual([true, true]);
    await expect(warm.use('firefox', async () => 1)).rejects.toThrow(/stopping/);
  });

  it('/metrics: the browser series carry the engine, one per engine in use', () => {
    const m = new ExporterMetrics({
      inFlight: () => 0,
      maxInFlight: () => 1,
      browsers: () => [
        { engine: 'chromium', up: true, launches: 2, rss: 5 },
        { engine: 'firefox', up: false, launches: 1, rss: null },
      ],
    });
    m.browserRestarted('firefox', 'died');
    const text = render(m.families());
    expect(text).toContain('iceprobe_exporter_browser_up{browser="chromium"} 1\n');
    expect(text).toContain('iceprobe_exporter_browser_up{browser="firefox"} 0\n');
    expect(text).toContain('iceprobe_exporter_browser_launches_total{browser="firefox"} 1\n');
    expect(text).toContain('iceprobe_exporter_browser_restarts_total{browser="firefox",reason="died"} 1\n');
    expect(text).toContain('iceprobe_exporter_browser_restarts_total{browser="chromium",reason="died"} 0\n');
    expect(text).toContain('iceprobe_exporter_browser_resident_memory_bytes{browser="chromium"} 5\n');
    expect(text).not.toContain('iceprobe_exporter_browser_resident_memory_bytes{browser="firefox"}');
  });
});
