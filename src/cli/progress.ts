/**
 * The live phase line `iceprobe check` shows on a terminal while it runs: the phase, the call
 * n of m, the checks done, the time elapsed and what it is waiting for, redrawn in place
 * (`\r` + clear line on stderr) a few times a second and cleared before anything else prints.
 * Off when stderr is not a terminal, in CI (`CI` set) and on `TERM=dumb`, so logs and piped
 * output never see it.
 */
import type { ProgressEvent } from '../run/check.js';

/** Redraw period: elapsed time moves visibly without flooding a slow terminal. */
export const TICK_MS = 250;

type Stage = Extract<ProgressEvent, { type: 'stage' }>['stage'];

const STAGE_WAIT: Record<Stage, string> = {
  config: 'reading the configuration',
  'embedded-server': 'starting the embedded coturn',
  browser: 'launching Chromium (protocol probes run alongside)',
  protocol: 'starting the protocol probes',
  gather: 'Chromium gathering candidates per URL',
  calls: 'opening the call pages',
  diagnosis: 'judging the results',
  done: 'writing the report',
};

/** Whether a live line may be drawn at all: a terminal, not CI, not a dumb terminal. */
export function liveProgressAllowed(stderrIsTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return false;
  if (env['TERM'] === 'dumb') return false;
  return stderrIsTTY;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The phase state a ProgressEvent stream builds up; `text()` is the line. Pure but for the clock it is given. */
export class PhaseLine {
  private stage: Stage = 'config';
  private checks = 0;
  private gathered = 0;
  private call: Extract<ProgressEvent, { type: 'call' }> | null = null;
  private callStartedMs = 0;

  constructor(private readonly startMs: number) {}

  onEvent(e: ProgressEvent, nowMs: number): void {
    if (e.type === 'stage') this.stage = e.stage;
    else if (e.type === 'call') {
      this.call = e;
      this.callStartedMs = nowMs;
    } else {
      this.checks++;
      if (e.check.kind === 'gather') this.gathered++;
      if (e.check.kind === 'call') this.call = null;
    }
  }

  text(nowMs: number): string {
    const elapsed = seconds(nowMs - this.startMs);
    const done = `${this.checks} ${this.checks === 1 ? 'check' : 'checks'} done`;
    let phase: string = this.stage;
    let wait = STAGE_WAIT[this.stage];
    if (this.stage === 'gather' && this.gathered > 0) wait = `${STAGE_WAIT.gather} (${this.gathered} done)`;
    if (this.stage === 'calls' && this.call) {
      const c = this.call;
      phase = `call ${c.index} of ${c.total} (${c.id})`;
      const inCall = nowMs - this.callStartedMs;
      wait = `up to ${seconds(c.dataMs)} of data, ${seconds(inCall)} in`;
    }
    // Most telling first: a narrow terminal cuts the end of the line.
    return `iceprobe ${elapsed} ▸ ${phase}: ${wait} · ${done}`;
  }
}

export interface LiveProgress {
  onEvent(e: ProgressEvent): void;
  /** Clears the line and stops redrawing; safe to call twice. */
  stop(): void;
}

/**
 * Draws a PhaseLine through `draw` (the CLI's `io.progress`, which owns `\r` + clear line and
 * the terminal width) now and every TICK_MS until stopped. `draw` null: nothing at all.
 */
export function startLiveProgress(
  draw: ((line: string | null) => void) | null,
  clock: { now: () => number; every: (ms: number, f: () => void) => { stop(): void } } = {
    now: () => performance.now(),
    every: (ms, f) => {
      const t = setInterval(f, ms);
      t.unref();
      return { stop: () => clearInterval(t) };
    },
  },
): LiveProgress {
  if (draw === null) return { onEvent: () => undefined, stop: () => undefined };
  const line = new PhaseLine(clock.now());
  let stopped = false;
  const redraw = () => {
    if (!stopped) draw(line.text(clock.now()));
  };
  redraw();
  const ticker = clock.every(TICK_MS, redraw);
  return {
    onEvent: (e) => {
      if (stopped) return;
      line.onEvent(e, clock.now());
      redraw();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      ticker.stop();
      draw(null);
    },
  };
}
