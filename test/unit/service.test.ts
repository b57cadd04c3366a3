/** The one shape of long-running commands (src/services/service.ts), with its process hooks faked: no signals, no sleeping. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, UsageError, type StopSignal } from '../../src/core/errors.js';
import { Secrets } from '../../src/core/redact.js';
import { LOG_LINE_MAX, listenFailure, runService, serviceLine, startService, STOP_GRACE_MS, type Running, type ServiceDef, type ServiceHooks } from '../../src/services/service.js';

/** A service that closes when told (or never, with `hang`), or ends by itself via finish(). */
function fakeRunning(hang = false) {
  let finish!: () => void;
  const closed = new Promise<void>((r) => (finish = r));
  const r = { closes: 0, reloads: 0, closed, finish, close: async () => {
    r.closes++;
    if (!hang) finish();
    await (hang ? new Promise(() => {}) : closed);
  } };
  return r;
}
type Fake = ReturnType<typeof fakeRunning>;

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const h = {
    out,
    err,
    stop: null as ((s: StopSignal) => void) | null,
    hangup: null as (() => void) | null,
    registered: [] as string[],
    cleanups: 0,
  };
  const hooks: ServiceHooks = {
    onStop: (fn) => ((h.stop = fn), () => (h.stop = null)),
    onHangup: (fn) => ((h.hangup = fn), () => (h.hangup = null)),
    registerCleanup: (name) => (h.registered.push(name), () => (h.registered = h.registered.filter((n) => n !== name))),
    runCleanups: async () => void h.cleanups++,
  };
  return { h, hooks, io: { out: (t: string) => out.push(t), err: (l: string) => err.push(l) } };
}

const server = (running: Fake, extra: Partial<ServiceDef<Fake>> = {}): ServiceDef<Fake> => ({
  name: 'demo',
  start: async () => running,
  listening: () => ({ url: 'http://127.0.0.1:9/', detail: 'x=1', host: '127.0.0.1', exposed: 'without a token; anyone can use it', lines: ['open http://127.0.0.1:9/'] }),
  ...extra,
});

const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());

describe('service lines', () => {
  it('are `iceprobe: <text>`: one line whatever the text holds, secrets out, bounded', () => {
    const s = new Secrets();
    s.add('pw-41f0aa');
    const line = serviceLine('relay join room=a\nb\x1b[2J pw-41f0aa', s);
    expect(line).toBe('iceprobe: relay join room=a\\nb\\u001b[2J [redacted]');
    expect(serviceLine('x'.repeat(LOG_LINE_MAX + 50)).length).toBeLessThan(LOG_LINE_MAX + 60);
  });

  it('a bind failure is a usage error naming the address; other errors pass through', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(listenFailure(e('EADDRINUSE'), '127.0.0.1:8080')).toEqual(new UsageError('cannot listen on 127.0.0.1:8080: the port is already in use'));
    expect(listenFailure(e('EADDRNOTAVAIL'), 'h:1')).toBeInstanceOf(UsageError);
    expect(listenFailure(e('EACCES'), 'h:1')).toBeInstanceOf(UsageError);
    const other = e('ENOENT');
    expect(listenFailure(other, 'h:1')).toBe(other);
  });
});

describe('startService', () => {
  it('prints the ready line and the output lines on stdout, registers its cleanup, announces its end', async () => {
    const { h, hooks, io } = harness();
    const running = fakeRunning();
    const s = await startService(server(running), io, hooks);
    expect(h.out).toEqual(['iceprobe: demo listening on http://127.0.0.1:9/ (x=1)', 'iceprobe: open http://127.0.0.1:9/']);
    // Loopback: nobody else can reach it, so no warning.
    expect(h.err).toEqual([]);
    expect(h.registered).toEqual(['demo']);
    await s.stop();
    await s.ended;
    expect(h.err).toEqual(['iceprobe: demo stopped']);
    expect(h.registered).toEqual([]);
  });

  it('warns when it listens beyond loopback and that matters; not when it does not', async () => {
    for (const [exposed, warned] of [['without a token; anyone can use it', true], [null, false]] as const) {
      const { h, hooks, io } = harness();
      await startService(server(fakeRunning(), { listening: () => ({ url: 'http://[::]:9/', host: '::', exposed }) }), io, hooks);
      expect(h.err).toEqual(warned ? ['iceprobe: demo warning: listening on :: without a token; anyone can use it'] : []);
    }
  });

  it('a job says nothing when it finishes by itself', async () => {
    const { h, hooks, io } = harness();
    const running = fakeRunning();
    const s = await startService({ name: 'lab', job: true, start: async () => running }, io, hooks);
    running.finish();
    await s.ended;
    expect([...h.out, ...h.err]).toEqual([]);
  });
});

describe('runService', () => {
  it('SIGTERM: "stopping", a graceful close, "stopped", exit 143; SIGINT: 130', async () => {
    for (const [signal, code] of [['SIGTERM', EXIT.terminated], ['SIGINT', EXIT.interrupted]] as const) {
      const { h, hooks, io } = harness();
      const running = fakeRunning();
      const done = runService(server(running), io, hooks);
      await tick();
      h.stop?.(signal);
      expect(await done).toBe(code);
      expect(running.closes).toBe(1);
      expect(h.err[0]).toMatch(new RegExp(`^iceprobe: demo stopping \\(${signal}\\); .* again stops at once$`));
      expect(h.err.at(-1)).toBe('iceprobe: demo stopped');
      expect(h.cleanups).toBe(0);
      // Unsubscribed once done.
      expect(h.stop).toBeNull();
    }
  });

  it('a signal while it is still starting stops it as soon as it is up', async () => {
    const { h, hooks, io } = harness();
    const running = fakeRunning();
    let up!: () => void;
    const started = new Promise<void>((r) => (up = r));
    const done = runService(server(running, { start: async () => (await started, running) }), io, hooks);
    h.stop?.('SIGINT');
    up();
    expect(await done).toBe(EXIT.interrupted);
    expect(running.closes).toBe(1);
  });

  it('a close that outruns the bound: the remaining cleanups run, the exit code is the signal\'s', async () => {
    vi.useFakeTimers();
    const { h, hooks, io } = harness();
    const running = fakeRunning(true);
    const done = runService(server(running), io, hooks);
    await vi.advanceTimersByTimeAsync(0);
    h.stop?.('SIGTERM');
    await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
    expect(h.cleanups).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(EXIT.terminated);
    expect(h.cleanups).toBe(1);
    expect(h.err.some((l) => l.includes(`did not stop within ${STOP_GRACE_MS / 1000} s`))).toBe(true);
  });

  it('a job that finishes by itself exits with its own code; SIGHUP reloads a service that can', async () => {
    const { h, hooks, io } = harness();
    const running = fakeRunning();
    let up!: () => void;
    const started = new Promise<void>((r) => (up = r));
    const done = runService(server(running, { start: async () => (await started, running), exitCode: () => EXIT.checkFailed, reload: (r) => void r.reloads++ }), io, hooks);
    // While starting: listened for (so it does not end the process), nothing to reload yet.
    h.hangup?.();
    expect(running.reloads).toBe(0);
    up();
    await tick();
    h.hangup?.();
    h.hangup?.();
    expect(running.reloads).toBe(2);
    running.finish();
    expect(await done).toBe(EXIT.checkFailed);
    expect(h.hangup).toBeNull();
  });

  it('a start failure is thrown for the CLI to map, and nothing stays subscribed', async () => {
    const { h, hooks, io } = harness();
    const failing: ServiceDef<Running> = { name: 'demo', start: async () => Promise.reject(new UsageError('--port must be an integer')), reload: () => {} };
    await expect(runService(failing, io, hooks)).rejects.toBeInstanceOf(UsageError);
    expect(h.stop).toBeNull();
    expect(h.hangup).toBeNull();
    expect(h.registered).toEqual([]);
  });
});
