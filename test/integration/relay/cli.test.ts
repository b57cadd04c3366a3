/**
 * Long-running commands as processes (dist/: build first), through `iceprobe relay`, the
 * lightest of them: the ready line on stdout, the stop on a signal with its exit code, and a
 * second signal that ends a service at once even when its close hangs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));
const LIFECYCLE = fileURLToPath(new URL('../../../dist/src/core/lifecycle.js', import.meta.url));

function watch(child: ChildProcess) {
  const o = { out: '', err: '' };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (o.out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (o.err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { o, exited };
}

async function until(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

async function exitOf(child: ChildProcess, exited: Promise<number | null>, ms: number): Promise<number | null | 'hung'> {
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);
  if (code === 'hung') child.kill('SIGKILL');
  return code;
}

describe('iceprobe relay as a process', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`prints its ready line, and on ${signal} stops gracefully with exit ${code}`, async () => {
      const child = spawn(process.execPath, [CLI, 'relay', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ICEPROBE_RELAY_TOKEN: '' } });
      const { o, exited } = watch(child);
      try {
        await until(() => /listening on (\S+)/.test(o.out), 15_000);
        const m = /^iceprobe: relay listening on (ws:\/\/127\.0\.0\.1:\d+\/ws) \(health: (http:\/\/127\.0\.0\.1:\d+)\/healthz\)$/m.exec(o.out);
        expect(m, `stdout: ${o.out}\nstderr: ${o.err}`).not.toBeNull();
        expect((await fetch(`${m?.[2] ?? ''}/healthz`)).status).toBe(200);
        expect(o.err).toMatch(/^iceprobe: relay ready .*token=none$/m);
      } finally {
        child.kill(signal);
      }
      expect(await exitOf(child, exited, 10_000)).toBe(code);
      const lines = o.err.trim().split('\n');
      expect(lines).toContain(`iceprobe: relay stopping (${signal}); ${signal === 'SIGINT' ? 'Ctrl-C' : 'a signal'} again stops at once`);
      expect(lines.at(-1)).toBe('iceprobe: relay stopped');
    });
  }
});

describe('a second signal', () => {
  it('ends a service at once (after the synchronous kills), even while its graceful close hangs', async () => {
    // A service's stop listener whose close never finishes, and a cleanup with a synchronous kill.
    const script = `
      const { onInterrupt, registerCleanup } = await import(${JSON.stringify(LIFECYCLE)});
      registerCleanup('hung', () => new Promise(() => {}), () => process.stdout.write('sync-kill\\n'));
      onInterrupt(() => process.stdout.write('stopping\\n'), { again: 'exit' });
      setInterval(() => {}, 1000);
      process.stdout.write('ready\\n');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const { o, exited } = watch(child);
    await until(() => o.out.includes('ready'), 10_000);
    child.kill('SIGTERM');
    await until(() => o.out.includes('stopping'), 5_000);
    const t0 = Date.now();
    child.kill('SIGTERM');
    // 143: the first signal's code. Well before lifecycle's grace for a run (8 s) or a hurry (3 s).
    expect(await exitOf(child, exited, 5_000)).toBe(143);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(o.out).toContain('sync-kill');
    expect(o.err).toContain('iceprobe: interrupted again: stopping at once');
  });
});
