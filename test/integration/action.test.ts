/**
 * The GitHub Action as a runner runs it: action.yml's shape (composite; the check step's env
 * carries every input its script reads; the report is uploaded even when the check failed),
 * and its check script run for real against the built CLI, with a passing and a failing gate.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bareEnv, CLI, runProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACTION = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'iceprobe-action-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const runScript = (env: Record<string, string>) =>
  runProcess('bash', [join(ROOT, 'scripts/action/check.sh')], { cwd: tmp, env: bareEnv({ ICEPROBE_BIN: `${process.execPath} ${CLI}`, ...env }), timeoutMs: 120_000 });

describe('action.yml', () => {
  it('is a composite action whose steps use only scripts in this repository', () => {
    expect(ACTION).toMatch(/^runs:\n {2}using: composite\n/m);
    for (const m of ACTION.matchAll(/\$GITHUB_ACTION_PATH\/([\w/.-]+)/g)) expect(existsSync(join(ROOT, m[1] ?? '')), m[1]).toBe(true);
  });

  it('every INPUT_* a script reads is set from an input the action declares', () => {
    const declared = new Set([...ACTION.matchAll(/^ {2}([a-z-]+):\n {4}description:/gm)].map((m) => m[1]));
    for (const script of ['scripts/action/check.sh', 'scripts/action/install.sh']) {
      const text = readFileSync(join(ROOT, script), 'utf8');
      for (const m of text.matchAll(/INPUT_([A-Z_]+)/g)) {
        const name = (m[1] ?? '').toLowerCase().replace(/_/g, '-');
        expect(declared.has(name), `${script} reads INPUT_${m[1]}`).toBe(true);
        expect(ACTION, `INPUT_${m[1]} is passed`).toContain(`INPUT_${m[1]}: \${{ inputs.${name} }}`);
      }
    }
  });

  it('uploads the report even when the check failed', () => {
    expect(ACTION).toMatch(/- name: Upload the iceprobe report\n {6}if: always\(\)\n {6}uses: actions\/upload-artifact@v4\n {6}with:\n {8}name: \$\{\{ inputs\.artifact-name \}\}\n {8}path: \$\{\{ inputs\.report-dir \}\}/);
  });
});

describe('the action\'s check script', () => {
  it('a passing gate: exit 0, the three reports written, outputs set', async () => {
    const out = join(tmp, 'out1');
    writeFileSync(out, '');
    const r = await runScript({ INPUT_EXPECT: 'relay:udp\n  setup<60000  \n', INPUT_ARGS: '--duration 0.5', INPUT_REPORT_DIR: 'rep1', GITHUB_OUTPUT: out });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['report.json', 'report.html', 'junit.xml']) expect(existsSync(join(tmp, 'rep1', f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(tmp, 'rep1', 'report.json'), 'utf8')) as { checks: { kind: string; status: string }[] };
    expect(report.checks.filter((c) => c.kind === 'expectation').map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(readFileSync(out, 'utf8')).toBe('status=pass\nexit-code=0\n');
  }, 150_000);

  it('a failing gate fails the step (exit 1) and still writes the reports to upload', async () => {
    const out = join(tmp, 'out2');
    writeFileSync(out, '');
    const r = await runScript({ INPUT_EXPECT: 'rtt<0.001', INPUT_ARGS: '--no-calls', INPUT_REPORT_DIR: 'rep2', GITHUB_OUTPUT: out });
    expect(r.code).toBe(1);
    expect(existsSync(join(tmp, 'rep2', 'report.html'))).toBe(true);
    expect(readFileSync(join(tmp, 'rep2', 'junit.xml'), 'utf8')).toContain('EXPECTATION_FAILED');
    expect(readFileSync(out, 'utf8')).toBe('status=fail\nexit-code=1\n');
  }, 150_000);
});
