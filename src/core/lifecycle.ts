/**
 * Everything iceprobe starts (Chromium, coturn, namespaces, servers) registers its cleanup here,
 * and a run that can write a partial report listens for the interrupt (onInterrupt).
 *
 * Signals (SIGINT, SIGTERM), once installSignalHandlers() ran — the CLI does it before it loads
 * anything else, so there is no window in which Ctrl-C takes Node's default path:
 *
 * 1. The first one tells the listening run (it aborts, writes its partial report, cleans up and
 *    exits 130 by itself; bounded by RUN_GRACE_MS). With no run listening yet, it waits up to
 *    LISTENER_GRACE_MS for one to start listening (a command that is starting up), then runs the
 *    cleanups and exits.
 * 2. The second one hurries: every cleanup's synchronous kill runs now (child processes die at
 *    once), but the run still writes its report and removes its temporary directories; the
 *    process leaves within HURRY_MS whatever happens. A listener that has nothing left to write
 *    (a long-running command, src/services/service.ts) asks for `again: 'exit'`: then the
 *    second signal runs the synchronous kills and leaves at once.
 * 3. The third one leaves at once.
 *
 * On any exit (normal, crash, process.exit) the synchronous part of every cleanup still runs.
 * Exit codes come from errors.ts exitCodeForSignal (130 for SIGINT, 143 for SIGTERM).
 */
import { exitCodeForSignal, type StopSignal } from './errors.js';

type Cleanup = { name: string; run: () => Promise<void> | void; sync?: () => void };

/** How long a listening run gets to write its partial report after the first signal. */
export const RUN_GRACE_MS = 8_000;
/** How long a signal with nobody listening waits for a starting run to listen. */
export const LISTENER_GRACE_MS = 1_000;
/** After a second signal, the process leaves within this. */
export const HURRY_MS = 3_000;

const cleanups = new Set<Cleanup>();
let installed = false;
let interrupted = false;
let signals = 0;
let exitCode = exitCodeForSignal('SIGINT');
let firstSignal: StopSignal = 'SIGINT';
let listenerWait: NodeJS.Timeout | undefined;

export type InterruptListener = (signal: StopSignal) => void;
export interface InterruptOptions {
  /** What a second signal does: 'hurry' (default; see above) or 'exit' (kill and leave at once). */
  again?: 'hurry' | 'exit';
}
const interruptListeners = new Map<InterruptListener, InterruptOptions>();
/** Where lifecycle's own lines ("interrupted again …") go. */
const notice = (line: string): void => void process.stderr.write(`${line}\n`);

export function isInterrupted(): boolean {
  return interrupted;
}

function callListener(fn: InterruptListener): void {
  try {
    fn(firstSignal);
  } catch {
    /* a listener must not stop the cleanup */
  }
}

/**
 * Called once on the first SIGINT/SIGTERM, before cleanups: lets a run write its partial report.
 * A listener added after the signal arrived (a run that was still starting) is called at once.
 */
export function onInterrupt(fn: InterruptListener, opts: InterruptOptions = {}): () => void {
  install();
  interruptListeners.set(fn, opts);
  if (interrupted && listenerWait !== undefined) {
    clearTimeout(listenerWait);
    listenerWait = undefined;
    setTimeout(leave, RUN_GRACE_MS).unref();
    queueMicrotask(() => callListener(fn));
  }
  return () => interruptListeners.delete(fn);
}

export function registerCleanup(name: string, run: () => Promise<void> | void, sync?: () => void): () => void {
  install();
  const c: Cleanup = sync ? { name, run, sync } : { name, run };
  cleanups.add(c);
  return () => cleanups.delete(c);
}

export async function runCleanups(boundMs = 5_000): Promise<void> {
  const list = [...cleanups].reverse();
  cleanups.clear();
  const all = Promise.allSettled(list.map(async (c) => c.run()));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, boundMs)))]);
  clearTimeout(timer);
  // Whatever did not finish in time gets its synchronous kill.
  for (const c of list) c.sync?.();
}

function syncKills(): void {
  for (const c of cleanups) {
    try {
      c.sync?.();
    } catch {
      /* the next one still runs */
    }
  }
}

function leave(): void {
  void runCleanups().finally(() => process.exit(exitCode));
}

/** Installs the SIGINT/SIGTERM handlers (idempotent). The CLI calls it first thing. */
export function installSignalHandlers(): void {
  install();
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals >= 3) {
      syncKills();
      process.exit(exitCode);
    }
    if (signals === 2 && [...interruptListeners.values()].some((o) => o.again === 'exit')) {
      notice('iceprobe: interrupted again: stopping at once');
      syncKills();
      process.exit(exitCode);
    }
    if (signals === 2) {
      notice('iceprobe: interrupted again: stopping everything now (the partial report is still written)');
      syncKills();
      setTimeout(() => {
        syncKills();
        process.exit(exitCode);
      }, HURRY_MS).unref();
      return;
    }
    interrupted = true;
    firstSignal = sig === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    exitCode = exitCodeForSignal(firstSignal);
    for (const l of interruptListeners.keys()) callListener(l);
    if (interruptListeners.size > 0) {
      // A run is listening: it aborts, writes its partial report and cleans up itself. If it
      // does not manage within the bound, clean up and leave anyway.
      setTimeout(leave, RUN_GRACE_MS).unref();
      return;
    }
    if (cleanups.size > 0) {
      // Something is running that nobody listens for (a library caller's server): Ctrl-C is how it ends.
      leave();
      return;
    }
    // Nothing started yet: a command may be loading; give it a moment to listen.
    listenerWait = setTimeout(() => {
      listenerWait = undefined;
      notice('iceprobe: interrupted');
      leave();
    }, LISTENER_GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', syncKills);
}
