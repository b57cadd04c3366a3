/**
 * Child-process entry for bench/relay.ts: runs the relay alone in its own process so its
 * memory (VmRSS) and CPU time are the relay's own. argv[2] is a JSON RelayOptions subset
 * (`messagesPerSecond: null` means unlimited). Prints `READY <port>` on stdout, then runs
 * until stdin closes or SIGTERM/SIGINT, and exits.
 */
import { startRelay } from '../src/servers/relay/server.js';

const raw = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
if (raw.messagesPerSecond === null) raw.messagesPerSecond = Infinity;

const relay = await startRelay({ ...raw, host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${relay.port}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(1), 3_000);
  hard.unref();
  void relay.close().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
