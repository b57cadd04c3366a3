/**
 * `iceprobe relay --port N [--host H] [--token T]`: the probe signaling relay on its own, as a
 * service (service.ts): validated, started, announced, stopped like every long-running command.
 * Every relay event is one log line; the token is never printed.
 */
import { UsageError } from '../core/errors.js';
import type { RelayLimits } from '../servers/relay/core.js';
import { startRelay, type RelayServer } from '../servers/relay/server.js';
import { hostPort, listenFailure, type ServiceDef } from './service.js';

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

export function relayService(opts: RelayCommandOptions, env: Record<string, string | undefined> = process.env): ServiceDef<RelayServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const token = opts.token ?? (env[RELAY_TOKEN_ENV] || undefined);
  return {
    name: 'relay',
    start: async (log) => {
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be an integer 0-65535 (got ${String(opts.port)})`);
      if (host.trim() === '') throw new UsageError('--host must not be empty');
      if (opts.path !== undefined && !opts.path.startsWith('/')) throw new UsageError('--path must start with /');
      let relay: RelayServer;
      try {
        relay = await startRelay({ ...opts, host, port, token, log: (line) => log.event(line) });
      } catch (err) {
        throw listenFailure(err, hostPort(host, port));
      }
      const limits = Object.entries(relay.limits).map(([k, v]) => `${k}=${String(v)}`);
      log.event(`relay ready ${limits.join(' ')} token=${token === undefined ? 'none' : 'required'}`);
      return relay;
    },
    listening: (relay) => ({
      url: relay.url,
      detail: `health: ${relay.httpUrl}/healthz`,
      host: relay.host,
      exposed: token === undefined ? `without a token; anyone who can reach it can use it (set --token or ${RELAY_TOKEN_ENV})` : null,
    }),
  };
}
