/**
 * iceprobe against npm `node-turn` 0.0.6, a pure-JavaScript TURN server (UDP only): the Node
 * probes and the browser's gathering and relay-forced call with right credentials, and
 * TURN_AUTH_FAILED with wrong ones. It is UDP-only, so NO_TCP_TLS_RELAY is the expected warning.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/run/check.js';
import { freePort } from '../../src/servers/coturn.js';
import type { Check, Report } from '../../src/core/schema.js';

interface NodeTurn {
  start(): void;
  stop(): void;
}
// node-turn ships no types; its server is a CommonJS constructor.
const Turn = createRequire(import.meta.url)('node-turn') as new (config: Record<string, unknown>) => NodeTurn;

const USER = 'alice';
const PASSWORD = 'node-turn-pass';
let server: NodeTurn;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  server = new Turn({ listeningPort: port, listeningIps: ['127.0.0.1'], relayIps: ['127.0.0.1'], authMech: 'long-term', credentials: { [USER]: PASSWORD }, realm: 'node-turn.test', debugLevel: 'OFF', log: () => undefined });
  server.start();
  url = `turn:127.0.0.1:${port}?transport=udp`;
});
afterAll(() => {
  server?.stop();
});

const byId = (r: Report, id: string): Check => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};

describe('node-turn (UDP only)', () => {
  it('right credentials: allocation, relay candidate and the relay-forced call work', async () => {
    const r = await check({ urls: [url], username: USER, credential: PASSWORD, timeoutMs: 3_000, durationS: 0.5 });
    expect(byId(r, `turn-allocate:${url}`)).toMatchObject({ code: 'OK', details: { realm: 'node-turn.test', software: 'node-turn' } });
    expect(byId(r, `gather:${url}`).code).toBe('OK');
    expect(byId(r, 'call:relay/udp').code).toBe('OK');
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('NO_TCP_TLS_RELAY'); // it has no TCP/TLS listener: true, and said
    expect(codes).not.toContain('TURN_AUTH_FAILED');
  });
  it('a wrong password → TURN_AUTH_FAILED (node-turn answers 401), from Node and the browser', async () => {
    const r = await check({ urls: [url], username: USER, credential: 'wrong', timeoutMs: 3_000, calls: false });
    expect(byId(r, `turn-allocate:${url}`)).toMatchObject({ code: 'TURN_AUTH_FAILED', details: { authRejection: { serverCode: 401 } } });
    expect(byId(r, `gather:${url}`).code).toBe('TURN_AUTH_FAILED');
    expect(r.findings.map((f) => f.code)).toContain('TURN_AUTH_FAILED');
  });
});
