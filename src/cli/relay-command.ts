/** `iceprobe relay`: run the probe signaling relay alone, until Ctrl-C. */
import type { Argv } from 'yargs';
import type { Io } from './io.js';

export function relayOptions(y: Argv) {
  return y
    .options({
      port: { type: 'number', default: 0, describe: 'Port to listen on (0: a free one, printed)' },
      host: { type: 'string', default: '127.0.0.1', describe: 'Address to bind; anything but loopback exposes the relay' },
      token: { type: 'string', describe: 'Shared token clients must send in join (or ICEPROBE_RELAY_TOKEN)' },
      'max-rooms': { type: 'number', describe: 'Most rooms at once' },
      'max-connections': { type: 'number', describe: 'Most WebSocket connections at once' },
      'idle-timeout': { type: 'number', describe: 'Close a connection silent this long (ms)' },
    })
    .example('$0 relay --port 8443', 'The signaling relay on ws://127.0.0.1:8443 (health: http://127.0.0.1:8443/healthz)')
    .example('$0 relay --host 0.0.0.0 --port 8443 --token "$TOKEN"', 'Reachable from other machines; clients must send the token');
}

export async function runRelay(args: { port: number; host: string; token?: string | undefined; maxRooms?: number | undefined; maxConnections?: number | undefined; idleTimeout?: number | undefined }, io: Io): Promise<number> {
  const [{ relayService }, { runService }] = await Promise.all([import('../services/relay.js'), import('../services/service.js')]);
  const relay = relayService(
    {
      port: args.port,
      host: args.host,
      ...(args.token !== undefined ? { token: args.token } : {}),
      ...(args.maxRooms !== undefined ? { maxRooms: args.maxRooms } : {}),
      ...(args.maxConnections !== undefined ? { maxConnections: args.maxConnections } : {}),
      ...(args.idleTimeout !== undefined ? { idleTimeoutMs: args.idleTimeout } : {}),
    },
    io.env,
  );
  return runService(relay, io);
}
