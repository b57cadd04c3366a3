/**
 * Generated bad inputs to the CLI (seeded, fixed case count): hostile URLs, numbers, output
 * paths, files that are not files, serve's TLS and reports-dir. Every case is a usage or config
 * problem: exit 2 in one bounded line per problem, fast, no secret echoed, nothing left behind,
 * and nothing started (no check may run on a bad input).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { leftovers, problemsOf, record, rng, runCli, tally } from './helpers.js';

const SEED = 1414;
const CASES = 14; // every kind once, two twice: ~40 s on a loaded 2-core machine
const dir = mkdtempSync(join(tmpdir(), 'iceprobe-robust-in-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(`robustness/inputs: ${tally.tried} cases tried, ${tally.clean} clean (seed ${SEED})`);
});
const file = join(dir, 'a-file');
writeFileSync(file, 'not a directory');
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const garbled = join(dir, 'garbled.json');
writeFileSync(garbled, '{"iceServers": [\n\x1b[2J');
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello\n');

const r = rng(SEED);
const junk = () => r.pick(['abc', 'NaN', '1e400x', '', '--', '0x', '\x1b[31m', 'x'.repeat(5_000), '5\nforged']);
const hostileText = () =>
  r.pick([
    'h'.repeat(10_000),
    'evil.test\niceprobe: forged line',
    'evil.test\x1b[2J\x1b[H',
    'evil\u202etest',
    '[2001:db8::1',
    'host:99999',
  ]);

type Case = { name: string; args: string[]; env?: Record<string, string>; secret: string };

function makeCase(i: number): Case {
  const secret = `S3cr3t-${randomBytes(6).toString('hex')}`;
  const creds = ['--username', 'u', '--credential', secret];
  const okUrl = 'stun:127.0.0.1:9';
  const kinds: (() => Case)[] = [
    () => ({ name: 'hostile --url', args: ['check', '--url', `turn:${hostileText()}`, ...creds], secret }),
    () => ({ name: 'userinfo in --url', args: ['check', '--url', `turn:alice:${secret}@turn.example.com:3478`], secret }),
    () => ({ name: '--url with no value', args: ['check', r.pick(['--url', '--url=']), ...r.pick([[], ['--no-calls']])], secret }),
    () => ({ name: 'not a number', args: ['check', '--url', okUrl, r.pick(['--timeout', '--duration', '--loss-probes']), junk()], secret }),
    () => ({ name: 'nat --family', args: ['nat', '--url', okUrl, '--family', r.pick(['5', '0', 'x', '46'])], secret }),
    () => ({ name: 'nat --timeout', args: ['nat', '--url', okUrl, '--timeout', junk()], secret }),
    () => ({ name: 'bad output path', args: ['check', '--url', okUrl, '--no-calls', r.pick(['--json', '--html', '--junit']), r.pick([dir, join(file, 'under.json'), '/proc/iceprobe-robust.json'])], secret }),
    () => ({ name: 'GITHUB_STEP_SUMMARY a directory', args: ['check', '--url', okUrl, '--no-calls'], env: { GITHUB_STEP_SUMMARY: r.pick([dir, join(file, 'x.md')]) }, secret }),
    () => ({ name: '--config not a regular file', args: ['check', '--config', r.pick(['/dev/zero', fifo, dir, garbled]), ...creds], secret }),
    () => ({ name: 'report not a regular file', args: ['report', r.pick(['/dev/zero', fifo, dir, garbled, file])], secret }),
    () => ({ name: 'serve bad TLS', args: ['serve', '--port', '0', '--url', okUrl, '--tls-cert', r.pick([notPem, fifo, '/nonexistent.pem', file]), '--tls-key', r.pick([notPem, '/dev/zero'])], secret }),
    () => ({ name: 'serve --reports-dir a file', args: ['serve', '--port', '0', '--url', okUrl, '--reports-dir', r.pick([file, join(file, 'sub')])], secret }),
  ];
  return (kinds[i % kinds.length] as () => Case)();
}

describe('generated bad CLI inputs: exit 2, one bounded line, no secret, nothing started or left', () => {
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(i);
    it(`#${i} ${c.name}: ${JSON.stringify(c.args).slice(0, 100)}`, async () => {
      const run = await runCli(c.args, { ...(c.env ? { env: c.env } : {}), timeoutMs: 20_000 });
      const problems = [...problemsOf(run, { secrets: [c.secret], maxMs: 15_000, exit: [2] }), ...(await leftovers(run))];
      // One problem, one line: bad inputs here are single problems.
      if (run.stderr.trim().split('\n').length !== 1) problems.push(`${run.stderr.trim().split('\n').length} stderr lines`);
      if (run.stdout !== '') problems.push('something was printed on stdout (a run started?)');
      rmSync(run.tmp, { recursive: true, force: true });
      record(`#${i} ${c.name}`, problems);
      expect(problems, run.stderr.slice(0, 400)).toEqual([]);
    });
  }
});
