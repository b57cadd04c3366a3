/**
 * Everything iceprobe starts (Chromium, coturn, namespaces, servers) registers its cleanup here.
 * On Ctrl-C / SIGTERM the cleanups run newest-first, bounded, and the process exits 130; on a
 * normal or crashing exit the synchronous part (killing child processes) still runs.
 */
type Cleanup = { name: string; run: () => Promise<void> | void; sync?: () => void };

const cleanups = new Set<Cleanup>();
let installed = false;
let interrupted = false;
const interruptListeners = new Set<() => void>();

export function isInterrupted(): boolean {
  return interrupted;
}

/** Called once on the first SIGINT/SIGTERM, before cleanups: lets a run write its partial report. */
export function onInterrupt(fn: () => void): () => void {
  interruptListeners.add(fn);
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

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) {
      // Second Ctrl-C: stop waiting, kill synchronously.
      for (const c of cleanups) c.sync?.();
      process.exit(130);
    }
    interrupted = true;
    for (const l of interruptListeners) {
      try {
        l();
      } catch {
        /* a listener must not stop the cleanup */
      }
    }
    const code = sig === 'SIGINT' ? 130 : 143;
    if (interruptListeners.size > 0) {
      // A run is listening: it aborts, writes its partial report and cleans up itself. If it
      // does not manage within the bound, clean up and leave anyway.
      setTimeout(() => void runCleanups().finally(() => process.exit(code)), 8_000).unref();
      return;
    }
    void runCleanups().finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const c of cleanups) c.sync?.();
  });
}
