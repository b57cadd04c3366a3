/**
 * The npm package as a user gets it: `npm pack` of the built tree holds what users run and
 * nothing else (no dist/test, dist/bench, sources or maps), plus the MIT LICENSE; installed in a
 * scratch project, `npx iceprobe --help` and `npx iceprobe check --no-calls` (the embedded
 * default) work, and so does `import { check } from 'iceprobe'`.
 *
 * Packs with --ignore-scripts: `prepack` would rebuild dist/ under the other tests' feet; the
 * suite has just built it (npm test builds first).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'iceprobe-pack-'));

const sh = (cmd: string, args: string[], cwd: string) => runProcess(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false', CI: 'true' }, timeoutMs: 240_000 });

let files: string[] = [];
let tarball = '';

beforeAll(async () => {
  const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], ROOT);
  expect(packed.code, packed.stderr).toBe(0);
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0];
  if (!info) throw new Error('npm pack printed no package');
  files = info.files.map((f) => f.path);
  tarball = join(scratch, info.filename);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  const installed = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], scratch);
  expect(installed.code, installed.stderr).toBe(0);
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships what users run and nothing else', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/report.schema.json', 'probes/index.html', 'probes/serve.html', 'dist/probes/gather.js', 'dist/probes/call.js', 'dist/probes/serve-ui.js', 'dist/reports/html.js']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('fixtures/lab/') && f.endsWith('.json'))).toBe(true);
    for (const f of files) {
      expect(f, f).not.toMatch(/^dist\/(test|bench|scripts)\//);
      expect(f, f).not.toMatch(/^(test|bench|src|reports|scripts)\//);
      expect(f, f).not.toMatch(/\.map$/);
      expect(f, f).not.toMatch(/(?<!\.d)\.ts$/);
      expect(f, f).not.toMatch(/^fixtures\/(render|diagnosis)\//);
    }
    // Nothing stale: every compiled file has its source in this tree.
    for (const f of files.filter((x) => /^dist\/(src|reports|probes)\/.*\.js$/.test(x))) {
      expect(existsSync(join(ROOT, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), `${f} has no source (rebuild from a clean dist/)`).toBe(true);
    }
  });

  it('carries the MIT license package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(scratch, 'node_modules', 'iceprobe', 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });
});

describe('installed in a scratch project', () => {
  it('npx iceprobe --help', async () => {
    const r = await sh('npx', ['--no-install', 'iceprobe', '--help'], scratch);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Commands:');
  });

  it('npx iceprobe check --no-calls on the embedded default', async () => {
    const r = await sh('npx', ['--no-install', 'iceprobe', 'check', '--no-calls', '--json', 'report.json'], scratch);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}\d+ passed/m);
    const report = JSON.parse(readFileSync(join(scratch, 'report.json'), 'utf8')) as { tool: { version: string }; summary: { status: string } };
    expect(report.summary.status).toBe('pass');
    expect(report.tool.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  }, 120_000);

  it("import { check } from 'iceprobe' (and the published JSON Schema)", async () => {
    const code = [
      "import { check } from 'iceprobe';",
      "import { createRequire } from 'node:module';",
      "const schema = createRequire(import.meta.url)('iceprobe/schema.json');",
      "console.log(typeof check, typeof schema);",
    ].join('\n');
    const r = await sh(process.execPath, ['--input-type=module', '-e', code], scratch);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function object');
  });
});
