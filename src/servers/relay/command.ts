/**
 * `iceprobe relay --port N [--host H] [--token T]`: runs the probe signaling relay on its own.
 *
 * The CLI (src/cli.ts) parses flags and calls runRelayCommand; this resolves once the relay is
 * listening and the relay keeps running until `close()` (or Ctrl-C / SIGTERM, through the
 * lifecycle cleanups). Every event is one line through `out`; the token is never printed.
 */
import { UsageError } from '../../core/errors.js';
import { registerCleanup } from '../../core/lifecycle.js';
import type { RelayLimits } from './core.js';
import { startRelay, type RelayServer } from './server.js';

export const RELAY_TOKEN_ENV = 'ICEPROBE_RELAY_TOKEN';

export interface RelayCommandOptions extends Partial<Omit<RelayLimits, 'token'>> {
  /** Default 127.0.0.1. Anything else exposes the relay beyond this machine. */
  host?: string;
  /** Default 0 (a free port, printed). */
  port?: number;
  /** Shared token required in `join`. Default: $ICEPROBE_RELAY_TOKEN, else none. */
  token?: string;
  path?: string;
  heartbeatIntervalMs?: number;
}

export async function runRelayCommand(
  opts: RelayCommandOptions,
  out: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<RelayServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be an integer 0-65535 (got ${String(opts.port)})`);
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  const token = opts.token ?? (env[RELAY_TOKEN_ENV] || undefined);
  if (opts.path !== undefined && !opts.path.startsWith('/')) throw new UsageError('--path must start with /');

  let relay: RelayServer;
  try {
    relay = await startRelay({ ...opts, host, port, token, log: out });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind ${host}: no such local address`);
    if (code === 'EACCES') throw new UsageError(`not allowed to bind ${host}:${port}`);
    throw err;
  }
  const limits = Object.entries(relay.limits).map(([k, v]) => `${k}=${String(v)}`);
  out(`relay ready ${limits.join(' ')} token=${token === undefined ? 'none' : 'required'}`);
  if (!isLoopback(relay.host) && token === undefined) {
    out(`relay warning: listening on ${relay.host} without a token; anyone who can reach it can use it (set --token or ${RELAY_TOKEN_ENV})`);
  }
  const unregister = registerCleanup('relay', () => relay.close());
  void relay.closed.then(() => {
    unregister();
    out('relay stopped');
  });
  return relay;
}

export function isLoopback(host: string): boolean {
  return host === '::1' || host === 'localhost' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}
