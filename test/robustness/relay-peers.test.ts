/**
 * Hostile peers on the relay: sockets that drip header bytes and never finish the WebSocket
 * upgrade are bounded by the header timeout and count against maxConnections (issue 14: 1,500
 * of them all stayed open).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startRelay } from '../../src/servers/relay/server.js';
import { record, tally } from './helpers.js';

afterAll(() => console.log(`robustness/relay-peers: ${tally.tried} cases tried, ${tally.clean} clean`));

describe('relay: half-open upgrades', () => {
  it('200 header drippers against maxConnections 20: every one closed within the header timeout', async () => {
    const relay = await startRelay({ host: '127.0.0.1', port: 0, maxConnections: 20, headersTimeoutMs: 600 });
    const sockets: Socket[] = [];
    const closedAll = new Promise<void>((resolve) => {
      let closed = 0;
      for (let i = 0; i < 200; i++) {
        const s = connect(relay.port, '127.0.0.1');
        s.on('error', () => undefined);
        s.on('connect', () => {
          s.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
          const drip = setInterval(() => s.writable && s.write('X'), 100);
          s.once('close', () => clearInterval(drip));
        });
        s.once('close', () => {
          closed++;
          if (closed === 200) resolve();
        });
        sockets.push(s);
      }
    });
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([closedAll.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 6_000)))]);
    clearTimeout(timer);
    const problems: string[] = [];
    if (!finished) problems.push(`${sockets.filter((s) => !s.destroyed).length} drippers still open after 6 s`);
    for (const s of sockets) s.destroy();
    await relay.close();
    record('header drippers', problems);
    expect(problems, `took ${Math.round(performance.now() - t0)} ms`).toEqual([]);
  });
});
