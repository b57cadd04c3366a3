/**
 * Protocol probe round benchmark: the wall time of one full `runProtocolProbes` round — DNS
 * (localhost through the system resolver), STUN Binding, TURN Allocate over UDP, TCP and TLS
 * (with Refresh(0)), the TLS certificate probe and the config checks — against a local coturn.
 *
 * `benchProtocolRound()` starts coturn, runs one warm-up round, then `rounds` (default 5) timed
 * rounds, stops coturn and returns the round times in ms. Run directly, it prints them and the
 * median. Target: median < 100 ms on loopback.
 */
import { startCoturn } from '../src/servers/coturn.js';
import type { ServerSpec } from '../src/config/config.js';
import { runProtocolProbes } from '../src/probes-node/index.js';
import { median } from '../src/core/stats.js';
import { parseIceUri } from '../src/core/uri.js';

function spec(url: string, username: string | null, credential: string | null): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username, credential, credentialSource: credential ? 'given' : 'none', origin: 'bench' };
}

export async function benchProtocolRound(rounds = 5): Promise<number[]> {
  const srv = await startCoturn();
  try {
    const u = srv.username;
    const p = srv.password;
    const servers = [
      spec(`stun:localhost:${srv.port}`, null, null),
      spec(`turn:localhost:${srv.port}?transport=udp`, u, p),
      spec(`turn:localhost:${srv.port}?transport=tcp`, u, p),
      spec(`turns:localhost:${srv.tlsPort}?transport=tcp`, u, p),
    ];
    const once = async () => {
      const t0 = performance.now();
      const checks = await runProtocolProbes(servers, { timeoutMs: 5_000 });
      const ms = performance.now() - t0;
      const bad = checks.filter((c) => c.kind !== 'config' && c.kind !== 'tls-handshake' && c.code !== 'OK');
      if (bad.length > 0) throw new Error(`probe round failed: ${bad.map((c) => `${c.id}=${c.code}`).join(', ')}`);
      return ms;
    };
    await once(); // warm-up: module JIT, first TLS context
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) times.push(await once());
    return times;
  } finally {
    await srv.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const times = await benchProtocolRound();
  console.log(`protocol round (DNS + STUN + TURN udp/tcp/tls + TLS cert), ms: ${times.map((t) => t.toFixed(1)).join(', ')}`);
  console.log(`median ${median(times).toFixed(1)} ms (target < 100 ms)`);
}
