import { describe, expect, it } from 'vitest';
import { liveProgressAllowed, startLiveProgress, TICK_MS } from '../../../src/cli/progress.js';
import type { Check } from '../../../src/core/schema.js';

const check = (kind: Check['kind']): Check => ({ id: `${kind}:x`, kind, target: 'x', transport: null, status: 'pass', code: 'OK', durationMs: 1, details: {} });

/** A clock the test moves by hand, and the ticker it would run. */
function fakeClock() {
  let now = 1000;
  const tickers: (() => void)[] = [];
  let stopped = 0;
  return {
    clock: {
      now: () => now,
      every: (ms: number, f: () => void) => {
        expect(ms).toBe(TICK_MS);
        tickers.push(f);
        return { stop: () => void stopped++ };
      },
    },
    advance: (ms: number) => {
      now += ms;
      for (const f of tickers) f();
    },
    stopped: () => stopped,
  };
}

describe('live progress line', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { CI: 'true' }, false],
    [true, { CI: '1' }, false],
    [true, { CI: 'false' }, true],
    [true, { TERM: 'dumb' }, false],
  ] as const)('stderr TTY %s, env %j: allowed %s', (tty, env, allowed) => {
    expect(liveProgressAllowed(tty, env)).toBe(allowed);
  });

  it('no terminal: nothing is drawn at all', () => {
    const live = startLiveProgress(null);
    live.onEvent({ type: 'stage', stage: 'gather' });
    live.stop();
  });

  it('phase, call n of m, elapsed and what it waits for; redrawn on ticks; cleared at the end', () => {
    const lines: (string | null)[] = [];
    const t = fakeClock();
    const live = startLiveProgress((l) => lines.push(l), t.clock);
    expect(lines.at(-1)).toBe('iceprobe 0.0 s ▸ config: reading the configuration · 0 checks done');
    live.onEvent({ type: 'stage', stage: 'embedded-server' });
    expect(lines.at(-1)).toContain('starting the embedded coturn');
    t.advance(1500);
    expect(lines.at(-1)).toMatch(/^iceprobe 1\.5 s ▸ embedded-server: /);
    live.onEvent({ type: 'stage', stage: 'gather' });
    live.onEvent({ type: 'check', check: check('gather') });
    live.onEvent({ type: 'check', check: check('dns') });
    expect(lines.at(-1)).toBe('iceprobe 1.5 s ▸ gather: Chromium gathering candidates per URL (1 done) · 2 checks done');
    live.onEvent({ type: 'stage', stage: 'calls' });
    live.onEvent({ type: 'call', index: 2, total: 4, id: 'relay-tcp', dataMs: 3000 });
    t.advance(2000);
    expect(lines.at(-1)).toBe('iceprobe 3.5 s ▸ call 2 of 4 (relay-tcp): up to 3.0 s of data, 2.0 s in · 2 checks done');
    live.stop();
    expect(lines.at(-1)).toBeNull();
    expect(t.stopped()).toBe(1);
    // After stop nothing draws again (a late event from the run must not leave a line behind).
    const before = lines.length;
    live.onEvent({ type: 'stage', stage: 'done' });
    live.stop();
    t.advance(TICK_MS);
    expect(lines.length).toBe(before);
  });
});
