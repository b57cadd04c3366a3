/**
 * The built CLI as a process: exit codes, one-line errors, JSON on stdout, no secrets anywhere.
 * Runs dist/ (npm test builds first), as a user's `npx iceprobe` would.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { Report } from '../../src/core/schema.js';
import { assertMatchesPublishedSchema } from '../helpers/schema.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { CLI, runCli, type Ran } from '../helpers/process.js';

const tmp = mkdtempSync(join(tmpdir(), 'iceprobe-cli-'));

const run = runCli;

function oneLineErrors(r: Ran): string[] {
  const lines = r.stderr.trim().split('\n');
  for (const l of lines) expect(l).toMatch(/^iceprobe: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return lines;
}

describe('usage and config errors: exit 2, one line naming the input', () => {
  it.each([
    [['check', '--bogus'], /bogus/],
    [['check', '--url', 'http://example.com'], /--url #1: "http:\/\/example\.com": unknown scheme/],
    [['check', '--url', 'turn:turn.example.com'], /needs credentials/],
    [['check', '--url', 'turn:[2001:db8::1'], /closing "\]"/],
    [['check', '--config', '/nonexistent/ice.json'], /ice\.json: file not found/],
    [['check', '--timeout', '5'], /--timeout 5/],
    [['frobnicate'], /frobnicate/],
    // An unset CI variable: `--turn-secret "$SECRET"` / `--credential "$PASSWORD"` with nothing in it.
    [['check', '--url', 'turn:turn.example.com', '--turn-secret', ''], /^iceprobe: config error: --turn-secret is empty/],
    [['check', '--url', 'turn:turn.example.com', '--username', 'u', '--credential', ''], /^iceprobe: config error: --credential is empty/],
    [['serve', '--turn-secret', ''], /--turn-secret is empty/],
  ])('%j', async (args, pattern) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    const lines = oneLineErrors(r);
    expect(lines.join('\n')).toMatch(pattern);
  });

  it('a garbled config file: exit 2, every problem with its path', async () => {
    const p = join(tmp, 'bad.json');
    writeFileSync(p, JSON.stringify({ iceServers: [{ urls: 'turn:a.example.com', credential: 'cfg-secret-1' }, { urls: 7 }] }));
    const r = await run(['check', '--config', p]);
    expect(r.code).toBe(2);
    const lines = oneLineErrors(r);
    expect(lines.some((l) => l.includes('iceServers[1].urls'))).toBe(true);
    expect(r.stderr).not.toContain('cfg-secret-1');
  });

  it('an unusable Chromium path: exit 2, names the path', async () => {
    const fake = join(tmp, 'not-chromium');
    writeFileSync(fake, 'not a browser');
    chmodSync(fake, 0o644);
    const r = await run(['check', '--url', 'stun:127.0.0.1:3478', '--chromium-path', fake, '--no-protocol']);
    expect(r.code).toBe(2);
    expect(oneLineErrors(r)[0]).toContain(fake);
  });

  it('--help exits 0 and lists check', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('check');
  });
});

describe('runs against real coturn', () => {
  let coturn: Coturn;
  beforeAll(async () => {
    coturn = await startCoturn();
  });
  afterAll(async () => coturn?.stop());

  it('wrong credential: exit 1, JSON report on stdout with TURN_AUTH_FAILED, no secret anywhere', async () => {
    const r = await run(['check', '--url', coturn.urls.turnUdp, '--username', coturn.username, '--credential', 'wrong-pass-xyz', '--json', '-', '--no-calls']);
    expect(r.code).toBe(1);
    const report = Report.parse(JSON.parse(r.stdout));
    assertMatchesPublishedSchema(report);
    expect(report.checks.find((c) => c.kind === 'gather')).toMatchObject({ status: 'fail', code: 'TURN_AUTH_FAILED' });
    expectNoSecrets({ stdout: r.stdout, stderr: r.stderr }, ['wrong-pass-xyz']);
  });

  it('credentials from the environment, JSON to a file and the table to stdout: exit 0', async () => {
    const out = join(tmp, 'ok.json');
    const r = await run(['check', '--url', coturn.urls.stun, '--url', coturn.urls.turnTcp, '--json', out, '--no-calls'], {
      ICEPROBE_USERNAME: coturn.username,
      ICEPROBE_CREDENTIAL: coturn.password,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS/);
    const text = readFileSync(out, 'utf8');
    const report = Report.parse(JSON.parse(text));
    expect(report.summary.failed).toBe(0);
    expect(report.servers.find((s) => s.scheme === 'turn')?.credential).toBe('given');
    expectNoSecrets({ stdout: r.stdout, stderr: r.stderr, json: text }, [coturn.password]);
  });

  it('stdout closed before the table (`iceprobe check | head -1`): no EPIPE crash, the JSON file is still written, exit 0', async () => {
    const out = join(tmp, 'piped.json');
    const child = spawn(process.execPath, [CLI, 'check', '--url', coturn.urls.stun, '--json', out, '--no-calls', '--no-protocol'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reading end goes away before the child has written a byte: its first write gets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code, stderr).toBe(0);
    expect(Report.parse(JSON.parse(readFileSync(out, 'utf8'))).summary.failed).toBe(0);
  });
});

describe('TURN REST credentials (use-auth-secret)', () => {
  let coturn: Coturn;
  const secret = 'rest-shared-secret-42';
  beforeAll(async () => {
    coturn = await startCoturn({ authSecret: secret, tls: null });
  });
  afterAll(async () => coturn?.stop());

  it('the right secret mints working credentials; the wrong one fails with the auth code', async () => {
    const ok = await run(['check', '--url', coturn.urls.turnUdp, '--turn-secret', secret, '--json', '-', '--no-calls']);
    expect(ok.code).toBe(0);
    const bad = await run(['check', '--url', coturn.urls.turnUdp, '--json', '-', '--no-calls'], { ICEPROBE_TURN_SECRET: 'not-the-secret' });
    expect(bad.code).toBe(1);
    expect(Report.parse(JSON.parse(bad.stdout)).checks.find((c) => c.kind === 'gather')?.code).toBe('TURN_AUTH_FAILED');
    expectNoSecrets({ a: ok.stdout + ok.stderr, b: bad.stdout + bad.stderr }, [secret, 'not-the-secret']);
  });
});

describe('the embedded default', () => {
  it('no servers given: starts coturn, checks STUN, TURN/UDP, TURN/TCP and TURNS, exit 0, leaves nothing behind', async () => {
    const out = join(tmp, 'embedded.json');
    const r = await run(['check', '--duration', '0.5', '--json', out]);
    expect(existsSync(out), `no report written (exit ${r.code}): ${r.stderr}`).toBe(true);
    const report = Report.parse(JSON.parse(readFileSync(out, 'utf8')));
    const failing = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id} ${c.code} ${c.message ?? ''}`);
    expect(r.code, `${r.stderr}\n${failing.join('\n')}`).toBe(0);
    expect(report.environment.embeddedServer).toBe(true);
    const relayProtocols = new Set(report.candidates.filter((c) => c.type === 'relay').map((c) => c.relayProtocol));
    expect(relayProtocols).toEqual(new Set(['udp', 'tcp', 'tls']));
    expect(report.candidates.some((c) => c.type === 'srflx')).toBe(true);
    expect(report.candidates.some((c) => c.type === 'host')).toBe(true);
    expect((report.calls ?? []).filter((c) => c.status === 'pass').map((c) => c.id)).toEqual(['relay-udp', 'relay-tcp', 'relay-tls', 'relay-one-side-udp', 'all']);
    expect(r.stdout).toContain('relay');
  });
});

describe('report, relay and Ctrl-C', () => {
  it('iceprobe report re-renders a saved report; a missing one is exit 2', async () => {
    const src = fileURLToPath(new URL('../../fixtures/render/failing.json', import.meta.url));
    const html = join(tmp, 're.html');
    const junit = join(tmp, 're.xml');
    const r = await run(['report', src, '--html', html, '--junit', junit]);
    expect(r.code).toBe(1); // the saved verdict: failing
    expect(readFileSync(html, 'utf8')).toContain('<html');
    expect(readFileSync(junit, 'utf8')).toContain('<testsuites');
    const missing = await run(['report', join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    oneLineErrors(missing);
  });

  it('iceprobe relay serves until SIGINT and says where', async () => {
    const child = spawn(process.execPath, [CLI, 'relay', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('relay did not print its URL')), 10_000);
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        const m = /ws:\/\/127\.0\.0\.1:\d+\/\S*/.exec(s);
        if (m) {
          clearTimeout(t);
          resolve(m[0]);
        }
      });
    });
    const health = await fetch(url.replace('ws://', 'http://').replace(/\/ws$/, '/healthz'));
    expect(health.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect([0, 130]).toContain(code);
  });

  it('Ctrl-C mid-run: exit 130, the partial report is written, no coturn or Chromium left', async () => {
    const out = join(tmp, 'partial.json');
    const before = await countProcesses();
    const child = spawn(process.execPath, [CLI, 'check', '--url', 'stun:127.0.0.1:9', '--timeout', '30000', '--no-protocol', '--no-calls', '--json', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // Wait until the browser is gathering (its page exists), then interrupt.
    await new Promise((r) => setTimeout(r, 4_000));
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code, stderr).toBe(130);
    const report = Report.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.partial).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const after = await countProcesses();
    expect(after.chromium).toBeLessThanOrEqual(before.chromium);
    expect(after.turnserver).toBeLessThanOrEqual(before.turnserver);
  });
});

async function countProcesses(): Promise<{ chromium: number; turnserver: number }> {
  const { readdirSync, readFileSync: read } = await import('node:fs');
  let chromium = 0;
  let turnserver = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = read(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('chromium')) chromium++;
      if (cmd.startsWith('/usr/bin/turnserver') || cmd.startsWith('turnserver')) turnserver++;
    } catch {
      /* gone */
    }
  }
  return { chromium, turnserver };
}
