/**
 * The one shape of iceprobe's long-running commands (relay, serve, exporter, lab run): how they
 * start, announce themselves, log and stop. A command gives a ServiceDef; runService does the rest.
 *
 *   start   def.start(log) returns a Running (close + closed). A failure to listen is a usage
 *           error (listenFailure): exit 2, through the CLI's one mapping (errors.ts exitCodeFor).
 *   ready   a server prints one line on stdout, `iceprobe: <name> listening on <url> (<detail>)`,
 *           then its own output lines (serve's links); `iceprobe: <name> warning: listening on
 *           <host> …` on stderr when it is reachable beyond loopback and says why that matters.
 *   log     every line is `iceprobe: <text>`, secrets redacted, control characters escaped and
 *           bounded (serviceLine): one event is one line, whatever a client sent. Events and
 *           warnings go to stderr, the command's output (links, stored reports) to stdout.
 *   stop    the first SIGINT/SIGTERM: `iceprobe: <name> stopping (SIGTERM) …` on stderr, a
 *           graceful close bounded by STOP_GRACE_MS (then the remaining cleanups run anyway),
 *           `iceprobe: <name> stopped`, and exit code exitCodeForSignal: 130 for Ctrl-C, 143 for
 *           SIGTERM. A second signal stops at once: child processes killed, exit now. SIGHUP
 *           calls def.reload when the service has one (the exporter).
 *   end     a job (lab run) that finishes by itself exits with def.exitCode; a server that is
 *           closed from inside prints `<name> stopped` and exits 0.
 */
import { echoInput, EXIT, exitCodeForSignal, UsageError, type StopSignal } from '../core/errors.js';
import { onInterrupt, registerCleanup, runCleanups } from '../core/lifecycle.js';
import { isLoopback } from '../core/uri.js';

/** What a started service is: it can be closed, and says when it is. */
export interface Running {
  /** Idempotent; resolves when everything it started is stopped. */
  close(): Promise<void>;
  /** Settles when it has stopped (closed, or finished by itself). */
  readonly closed: Promise<void>;
}

/** Where a service writes (the CLI's Io has both). */
export interface ServiceIo {
  out(text: string): void;
  err(line: string): void;
}

export interface Redactor {
  redact(text: string): string;
}

/** Longest line a service prints. */
export const LOG_LINE_MAX = 1_000;
/** After the first signal, a service gets this long to close gracefully. */
export const STOP_GRACE_MS = 6_000;

/** A service line as printed: secrets out, and nothing a client sent can break the line or repaint the terminal. */
export function serviceLine(text: string, secrets: Redactor | null = null): string {
  return `iceprobe: ${echoInput(secrets ? secrets.redact(text) : text, LOG_LINE_MAX)}`;
}

/** A service's log: the one format, two channels. */
export class ServiceLog {
  constructor(
    readonly name: string,
    private readonly io: ServiceIo,
    private readonly secrets: Redactor | null = null,
  ) {}

  /** An event (stderr). The text names what it is about; the service's own events start with its name. */
  event(text: string): void {
    this.io.err(serviceLine(text, this.secrets));
  }

  /** `<name> warning: …` (stderr). */
  warn(text: string): void {
    this.event(`${this.name} warning: ${text}`);
  }

  /** The command's output (stdout): links, one line per stored report. */
  output(text: string): void {
    this.io.out(serviceLine(text, this.secrets));
  }
}

/** Where a server listens, for its ready line. */
export interface Listening {
  url: string;
  /** Shown in parentheses after the URL. */
  detail?: string;
  /** The bound address: not loopback and `exposed` set → a warning. */
  host: string;
  /** Why listening beyond loopback matters here; null when it does not (a token is required). */
  exposed: string | null;
  /** Further stdout lines after the ready line (serve's links). */
  lines?: readonly string[];
}

export interface ServiceDef<T extends Running> {
  /** One word: relay, serve, exporter, lab. */
  name: string;
  /** Secrets to redact from every line. */
  secrets?: Redactor | null;
  start(log: ServiceLog): Promise<T>;
  /** A server's address, for the ready line; absent for a job (lab run). */
  listening?(running: T): Listening;
  /** SIGHUP. */
  reload?(running: T): void;
  /** A job's exit code when it finished by itself. Default: EXIT.ok. */
  exitCode?(running: T): number;
  /** A job ends by itself (lab run): no "stopped" line then, only when stopped. */
  job?: boolean;
}

/** The process hooks runService needs; unit tests give their own. */
export interface ServiceHooks {
  /** The first SIGINT/SIGTERM; a second one must end the process at once. */
  onStop(fn: (signal: StopSignal) => void): () => void;
  onHangup(fn: () => void): () => void;
  registerCleanup(name: string, close: () => Promise<void>): () => void;
  /** Whatever is still registered, after a stop outran its bound. */
  runCleanups(): Promise<void>;
}

export const processHooks: ServiceHooks = {
  onStop: (fn) => onInterrupt(fn, { again: 'exit' }),
  onHangup: (fn) => {
    process.on('SIGHUP', fn);
    return () => void process.off('SIGHUP', fn);
  },
  registerCleanup: (name, close) => registerCleanup(name, close),
  runCleanups: () => runCleanups(),
};

/** host:port as a listen address is written ([v6]:port). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A bind error of a server as the one-line usage error it is (exit 2). Anything else is returned as it was. */
export function listenFailure(err: unknown, where: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new UsageError(`cannot listen on ${where}: the port is already in use`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UsageError(`cannot listen on ${where}: no such local address`);
  if (code === 'EACCES') return new UsageError(`cannot listen on ${where}: not allowed to bind it`);
  return err;
}

export interface StartedService<T extends Running> {
  running: T;
  log: ServiceLog;
  /** Closes it (the same as a signal's graceful part, unbounded). */
  stop(): Promise<void>;
  /** Settles when it has ended and said so. */
  readonly ended: Promise<void>;
}

/** Starts a service: its ready line and warning, its cleanup registered, its end announced. */
export async function startService<T extends Running>(def: ServiceDef<T>, io: ServiceIo, hooks: ServiceHooks = processHooks): Promise<StartedService<T>> {
  const log = new ServiceLog(def.name, io, def.secrets ?? null);
  const running = await def.start(log);
  let stopping = false;
  const stop = () => {
    stopping = true;
    return running.close();
  };
  const unregister = hooks.registerCleanup(def.name, stop);
  const l = def.listening?.(running);
  if (l) {
    log.output(`${def.name} listening on ${l.url}${l.detail ? ` (${l.detail})` : ''}`);
    for (const line of l.lines ?? []) log.output(line);
    if (l.exposed !== null && !isLoopback(l.host)) log.warn(`listening on ${l.host} ${l.exposed}`);
  }
  const ended = running.closed.then(() => {
    unregister();
    if (!def.job || stopping) log.event(`${def.name} stopped`);
  });
  return { running, log, stop, ended };
}

/**
 * Runs a service until it ends or a signal stops it; returns the exit code. Start failures are
 * thrown (the CLI maps them). Listens for the signals before starting, so a Ctrl-C while a
 * browser or coturn is still starting stops the service as soon as it is up, and a SIGHUP then
 * does not kill it.
 */
export async function runService<T extends Running>(def: ServiceDef<T>, io: ServiceIo, hooks: ServiceHooks = processHooks): Promise<number> {
  let signalled: StopSignal | null = null;
  let onSignal: (signal: StopSignal) => void = (signal) => (signalled ??= signal);
  const unStop = hooks.onStop((signal) => onSignal(signal));
  // SIGHUP while starting reloads nothing (the config is read as it starts) but must not end it.
  let running: T | null = null;
  const reload = def.reload;
  const unHup = reload ? hooks.onHangup(() => running !== null && reload(running)) : () => {};
  try {
    const s = await startService(def, io, hooks);
    running = s.running;
    const stopped = new Promise<StopSignal>((resolve) => {
      onSignal = resolve;
      if (signalled !== null) resolve(signalled);
    });
    const how = await Promise.race([s.ended.then(() => null), stopped]);
    if (how === null) return def.exitCode?.(s.running) ?? EXIT.ok;
    s.log.event(`${def.name} stopping (${how}); ${how === 'SIGINT' ? 'Ctrl-C' : 'a signal'} again stops at once`);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      s.stop().then(() => s.ended).then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      s.log.event(`${def.name} did not stop within ${STOP_GRACE_MS / 1000} s: stopping what is left`);
      await hooks.runCleanups();
    }
    return exitCodeForSignal(how);
  } finally {
    unHup();
    unStop();
  }
}
