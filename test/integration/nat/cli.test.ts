/** `iceprobe nat` end to end (runs dist/: build with `npx tsc -p .` first). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { Check } from '../../../src/core/schema.js';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) : 0, stdout, stderr });
    });
  });
}

describe('iceprobe nat', () => {
  let c: Coturn;
  let single: Coturn;
  beforeAll(async () => {
    c = await startCoturn({ listeningIps: ['127.0.0.1', '127.0.0.2'], tls: null });
    single = await startCoturn({ listeningIps: ['127.0.0.1'], tls: null });
  });
  afterAll(async () => {
    await c?.stop();
    await single?.stop();
  });

  test('--json - prints a schema-valid nat check; exit 0', async () => {
    const r = await run(['nat', '--url', c.urls.stun, '--json', '-']);
    expect(r.code).toBe(0);
    const check = Check.parse(JSON.parse(r.stdout));
    expect(check).toMatchObject({ id: `nat:stun:127.0.0.1:${c.port}`, kind: 'nat', code: 'OK' });
    expect(check.details).toMatchObject({ mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
  });

  test('a server without RFC 5780: NAT_UNSUPPORTED_SERVER, exit 0 (a skip, not a failure)', async () => {
    const r = await run(['nat', '--url', single.urls.stun, '--json', '-']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 'NAT_UNSUPPORTED_SERVER', status: 'skip' });
  });

  test('nothing answers: exit 1 with TIMEOUT', async () => {
    const r = await run(['nat', '--url', 'stun:127.0.0.1:9', '--timeout', '800', '--json', '-']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 'TIMEOUT', status: 'fail' });
  });

  test('usage errors: exit 2', async () => {
    expect((await run(['nat', '--url', 'turns:127.0.0.1:5349'])).code).toBe(2);
    expect((await run(['nat', '--url', c.urls.stun, '--nat-lifetime', '100000'])).code).toBe(2);
    expect((await run(['nat'])).code).toBe(2);
  });
});
