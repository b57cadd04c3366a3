/**
 * What a person sees in a terminal: the built CLI under a real pseudo-terminal (util-linux
 * `script`) at 80 columns, and the same run piped. The live phase line is drawn in place on the
 * terminal and erased before the table; piped, in CI or on a dumb terminal there is none at all.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bareEnv, CLI, runProcess } from '../helpers/process.js';

const SCRIPT = '/usr/bin/script';
// eslint-disable-next-line no-control-regex
const ESC = /\u001b/;
const CLEAR = '\r\u001b[2K';

const run = (cmd: string, args: string[], env: Record<string, string>) => runProcess(cmd, args, { env: bareEnv(env), timeoutMs: 90_000 });

/** The CLI on an 80×40 pseudo-terminal; stdout and stderr both arrive on the pty. */
function onTerminal(cliArgs: string, env: Record<string, string> = {}) {
  const env2 = { TERM: 'xterm-256color', ...env };
  return run(SCRIPT, ['-qfec', `stty cols 80 rows 40; exec ${process.execPath} ${CLI} ${cliArgs}`, '/dev/null'], env2);
}

describe.skipIf(!existsSync(SCRIPT))('the terminal', () => {
  it('on a TTY: a live phase line (phase, call n of m, elapsed), erased before the table; the table fits 80 columns', async () => {
    const r = await onTerminal('check --duration 0.5');
    // A finished run (a call may fail on a loaded 2-core machine: that is exit 1, not this test's concern).
    expect([0, 1]).toContain(r.code);
    const pty = r.stdout;
    expect(pty).toMatch(/iceprobe \d+\.\d s ▸ embedded-server: starting the embedded coturn/);
    expect(pty).toMatch(/iceprobe \d+\.\d s ▸ call 1 of \d \([a-z/-]+\): up to 0\.5 s of data/);
    // The last thing drawn before the table is a cleared line: nothing of the phase line stays.
    const table = pty.indexOf('Checks (');
    expect(table).toBeGreaterThan(0);
    const lastLine = pty.lastIndexOf('▸', table);
    expect(pty.slice(lastLine, table)).toContain(CLEAR);
    expect(pty.slice(table)).not.toContain('▸');
    // eslint-disable-next-line no-control-regex
    const visible = pty.slice(table).replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/);
    for (const line of visible) expect([...line].length, line).toBeLessThanOrEqual(80);
  }, 120_000);

  it('piped: no phase line, no carriage return, no escape sequence on stderr or stdout', async () => {
    const r = await run(process.execPath, [CLI, 'check', '--no-calls'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('▸');
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toMatch(ESC);
    expect(r.stdout).not.toMatch(ESC);
    expect(r.stdout).toContain('Checks (');
  }, 120_000);

  it('in CI (CI=true), even on a TTY: no phase line', async () => {
    const r = await onTerminal('check --no-calls', { CI: 'true' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('▸');
    expect(r.stdout).not.toContain(CLEAR);
  }, 120_000);
});

describe('help and usage', () => {
  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { COLUMNS: '100' });

  it('iceprobe --help is short and global: commands and examples, none of check\'s options', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Commands:');
    for (const c of ['check', 'relay', 'nat', 'report', 'serve', 'lab']) expect(r.stdout).toMatch(new RegExp(`iceprobe ${c}\\b`));
    for (const o of ['--url', '--loss-probes', '--junit', '--chromium-path']) expect(r.stdout).not.toContain(o);
    expect(r.stdout).toContain('iceprobe <command> --help');
    expect(r.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(40);
  });

  it('check --help groups every option under servers, probes, output or browser', async () => {
    const r = await cli('check', '--help');
    expect(r.code).toBe(0);
    const groups = ['Servers:', 'Probes:', 'Output:', 'Browser:'];
    const at = groups.map((g) => r.stdout.indexOf(`\n${g}\n`));
    for (const i of at) expect(i).toBeGreaterThan(0);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const section = (g: string) => {
      const start = r.stdout.indexOf(`\n${g}\n`);
      const end = r.stdout.indexOf('\n\n', start + 2);
      return r.stdout.slice(start, end);
    };
    const expected: Record<string, string[]> = {
      'Servers:': ['--url', '--config', '--username', '--credential', '--turn-secret', '--ca-file'],
      'Probes:': ['--timeout', '--calls', '--duration', '--loss-probes', '--expect', '--strict'],
      'Output:': ['--json', '--html', '--junit', '--quiet'],
      'Browser:': ['--chromium-path', '--insecure-tls'],
    };
    for (const [g, opts] of Object.entries(expected)) for (const o of opts) expect(section(g), `${o} in ${g}`).toMatch(new RegExp(`${o}\\b`));
    // The generic "Options:" group holds only --version and --help.
    const rest = section('Options:');
    expect(rest.split('\n').filter((l) => /^\s+(-\w, )?--/.test(l)).map((l) => /--[\w-]+/.exec(l)?.[0])).toEqual(['--version', '--help']);
  });

  it.each(['nat', 'relay', 'report', 'check', 'serve'])('%s --help has examples', async (cmd) => {
    const r = await cli(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\nExamples:\n  iceprobe ${cmd}\\b`));
  });

  it('report with no file: exit 2 and one clean line, not yargs\' message', async () => {
    const r = await cli('report');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['iceprobe: report needs the report file: iceprobe report <report.json> (see iceprobe --help)']);
  });
});
