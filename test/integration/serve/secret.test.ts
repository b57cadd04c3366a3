/**
 * `iceprobe serve --config` with a TURN REST secret in the file (dist/: build first): every visit
 * gets credentials minted from the config's secret for the config's user, and the secret is in
 * nothing the process prints or the page receives. (serve once re-read the file for the secret.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mintTurnRestCredential } from '../../../src/core/credentials.js';
import { VISIT_REST_CREDENTIAL_TTL_S } from '../../../src/core/defaults.js';
import { expectNoSecrets } from '../../helpers/secrets.js';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'iceprobe-serve-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('iceprobe serve with a TURN REST secret in the config file', () => {
  it('mints per visit from the config\'s secret and user; the secret never leaves the process', async () => {
    const secret = 'file-rest-secret-93b7d1';
    const config = join(dir, 'ice.json');
    writeFileSync(config, JSON.stringify({ iceServers: [{ urls: ['turn:127.0.0.1:3478?transport=udp'] }], iceprobe: { turnSecret: secret, turnSecretUser: 'front-desk' } }), { mode: 0o600 });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ICEPROBE_')));
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--port', '0', '--reports-dir', join(dir, 'reports')], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let bodies = '';
    try {
      const deadline = Date.now() + 30_000;
      while (!/open (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const link = /open (\S+)/.exec(out)?.[1] ?? '';
      expect(link, `stdout: ${out}\nstderr: ${err}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      for (let visit = 0; visit < 2; visit++) {
        const before = Date.now();
        const text = await (await fetch(new URL('/api/session', link))).text();
        bodies += text;
        const turn = (JSON.parse(text) as { gather: { url: string; username?: string; credential?: string }[] }).gather.find((g) => g.url.startsWith('turn:'));
        const [expiry, user] = (turn?.username ?? '').split(':');
        expect(user).toBe('front-desk');
        // Minted at the visit, with serve's per-visit lifetime (the config's own credential lives an hour).
        expect(Number(expiry) - Math.floor(before / 1000)).toBeGreaterThanOrEqual(VISIT_REST_CREDENTIAL_TTL_S - 1);
        expect(Number(expiry) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(VISIT_REST_CREDENTIAL_TTL_S);
        expect(turn?.credential).toBe(mintTurnRestCredential(secret, 'front-desk', (Number(expiry) - VISIT_REST_CREDENTIAL_TTL_S) * 1000, VISIT_REST_CREDENTIAL_TTL_S).credential);
      }
    } finally {
      child.kill('SIGTERM');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).not.toBe('hung');
    expectNoSecrets({ stdout: out, stderr: err, pages: bodies }, [secret]);
  });
});
