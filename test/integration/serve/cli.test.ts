/**
 * `iceprobe serve` as a process (dist/: run `npx tsc -p .` first): prints the link, serves the
 * page and the API, never prints a credential, and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoSecrets } from '../../helpers/secrets.js';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'iceprobe-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iceprobe serve (CLI)', () => {
  it('prints the link with its token, serves page + API, hides the static credential in output, exits on SIGTERM', async () => {
    const config = join(dir, 'ice.json');
    const credential = 'static-cred-5d1e9a';
    writeFileSync(config, JSON.stringify({ iceServers: [{ urls: ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=tcp'], username: 'u1', credential }] }));
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--port', '0', '--reports-dir', join(dir, 'reports'), '--token', 'cli-token-123'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No TURN REST secret from the environment: the static credential is the one under test.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ICEPROBE_TURN_SECRET')),
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/send this link: (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const link = /send this link: (\S+)/.exec(out)?.[1] ?? '';
      expect(link, `stdout: ${out}\nstderr: ${err}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?t=cli-token-123$/);
      const page = await fetch(link);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/serve-ui.js');
      const origin = new URL(link).origin;
      const session = await fetch(`${origin}/api/session`, { headers: { 'x-iceprobe-token': 'cli-token-123' } });
      expect(session.status).toBe(200);
      // The page needs the static credential to use TURN at all: it is sent to the page (documented).
      const body = (await session.json()) as { gather: { url: string; credential?: string }[] };
      expect(body.gather.find((g) => g.url.startsWith('turn:'))?.credential).toBe(credential);
      expect((await fetch(`${origin}/api/session`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).not.toBe('hung');
    expectNoSecrets({ stdout: out, stderr: err }, [credential]);
  });

  it('refuses bad flags with a usage error (exit 2)', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
        const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
        c.once('exit', (code) => {
          clearTimeout(t);
          resolve({ code, err });
        });
      });
    expect((await run(['--tls-cert', 'x.pem'])).code).toBe(2);
    expect((await run(['--token', 'short'])).code).toBe(2);
    expect((await run(['--port', '70000'])).code).toBe(2);
  });
});
