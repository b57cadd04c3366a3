import { describe, expect, it } from 'vitest';
import { relayService } from '../../../src/services/relay.js';
import { startService, type ServiceHooks } from '../../../src/services/service.js';
import { isLoopback } from '../../../src/core/uri.js';
import { RelayErrorCode } from '../../../src/servers/relay/protocol.js';
import { UsageError } from '../../../src/core/errors.js';
import { TestClient } from './client.js';

/** No process hooks: the test stops the relay itself. */
const hooks: ServiceHooks = { onStop: () => () => {}, onHangup: () => () => {}, registerCleanup: () => () => {}, runCleanups: async () => {} };

/** The relay as `iceprobe relay` starts it; every line it prints, stdout and stderr, without the `iceprobe: ` prefix. */
async function runRelayCommand(opts: Parameters<typeof relayService>[0], lines: string[] | null, env: Record<string, string | undefined>) {
  const out = (l: string) => lines?.push(l.replace(/^iceprobe: /, ''));
  const s = await startService(relayService(opts, env), { out, err: out }, hooks);
  return { ...s.running, close: () => s.stop(), closed: s.ended };
}

describe('relay service', () => {
  it('binds 127.0.0.1 by default, prints one line per event, and runs until closed', async () => {
    const lines: string[] = [];
    const relay = await runRelayCommand({ port: 0 }, lines, {});
    try {
      expect(relay.host).toBe('127.0.0.1');
      expect(relay.port).toBeGreaterThan(0);
      expect(lines.some((l) => l.startsWith('relay listening ') && l.includes(relay.url))).toBe(true);
      // The ready line (stdout): where it listens, and its health endpoint.
      expect(lines).toContain(`relay listening on ${relay.url} (health: ${relay.httpUrl}/healthz)`);
      expect(lines.some((l) => l.startsWith('relay ready ') && l.includes('maxMembersPerRoom=2') && l.includes('token=none'))).toBe(true);
      expect(lines.some((l) => l.includes('warning'))).toBe(false);
      // Only limits in the ready line: not the options they came with (it once printed log=<source>).
      expect(lines.find((l) => l.startsWith('relay ready '))).not.toMatch(/ (host|port|path|log|heartbeatIntervalMs)=/);
      const c = await TestClient.connect(relay.url);
      await c.join('cmd');
      c.close();
    } finally {
      await relay.close();
    }
    await relay.closed;
    expect(lines.at(-1)).toBe('relay stopped');
  });

  it('takes the token from the environment and never prints it', async () => {
    const lines: string[] = [];
    const relay = await runRelayCommand({ port: 0, maxRooms: 5 }, lines, { ICEPROBE_RELAY_TOKEN: 'env-token-9c1e' });
    const c = await TestClient.connect(relay.url);
    try {
      expect(lines.join('\n')).toContain('token=required');
      expect(lines.join('\n')).toContain('maxRooms=5');
      c.send({ type: 'join', room: 'x', token: 'nope' });
      expect(await c.error()).toBe(RelayErrorCode.UNAUTHORIZED);
      const ok = await TestClient.connect(relay.url);
      await ok.join('x', 'env-token-9c1e');
      ok.close();
    } finally {
      c.close();
      await relay.close();
    }
    expect(lines.join('\n')).not.toContain('env-token-9c1e');
  });

  it('reports a busy port and bad flags as usage errors', async () => {
    const first = await runRelayCommand({ port: 0 }, null, {});
    try {
      await expect(runRelayCommand({ port: first.port }, null, {})).rejects.toBeInstanceOf(UsageError);
    } finally {
      await first.close();
    }
    await expect(runRelayCommand({ port: 70_000 }, null, {})).rejects.toBeInstanceOf(UsageError);
    await expect(runRelayCommand({ port: 1.5 }, null, {})).rejects.toBeInstanceOf(UsageError);
    await expect(runRelayCommand({ port: 0, maxMembersPerRoom: 0 }, null, {})).rejects.toBeInstanceOf(UsageError);
    await expect(runRelayCommand({ port: 0, path: 'ws' }, null, {})).rejects.toBeInstanceOf(UsageError);
  });

  it('knows which hosts are loopback (the no-token warning is for the others)', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
    expect(isLoopback('198.18.0.1')).toBe(false);
  });
});
