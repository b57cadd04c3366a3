/**
 * The folder list shows the flow, and no import runs back up it:
 *
 *   cli → services (serve, lab, exporter) → run → browser / probes-node / servers → net → stun
 *
 * with config below run, and diagnosis and reports depending only on core (schema, ids, codes,
 * defaults, errors, redact, uri, credentials). Every relative import counts, `import type` and
 * dynamic `import()` included: a type-only back-edge is still a layer that knows its caller.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

/** What each unit may import. The two entry points (src/index.ts, src/cli.ts) may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  'src/stun': [],
  'src/core': ['src/stun'],
  'src/net': ['src/core', 'src/stun'],
  'src/config': ['src/core', 'src/stun'],
  'src/diagnosis': ['src/core'],
  reports: ['src/core'],
  probes: [],
  'src/probes-node': ['src/config', 'src/net', 'src/core', 'src/stun'],
  'src/browser': ['probes', 'src/config', 'src/net', 'src/core', 'src/stun'],
  'src/servers': ['src/config', 'src/net', 'src/core', 'src/stun'],
  'src/run': ['src/browser', 'src/probes-node', 'src/servers', 'src/diagnosis', 'src/config', 'src/net', 'src/core', 'src/stun'],
  'src/services': ['reports', 'probes', 'src/run', 'src/browser', 'src/probes-node', 'src/servers', 'src/diagnosis', 'src/config', 'src/net', 'src/core', 'src/stun'],
  'src/cli': ['reports', 'src/services', 'src/run', 'src/browser', 'src/probes-node', 'src/servers', 'src/diagnosis', 'src/config', 'src/net', 'src/core', 'src/stun'],
};
const ENTRY_POINTS = new Set(['src/index.ts', 'src/cli.ts']);

/** The unit a repository path belongs to: `src/<folder>`, `reports`, `probes`, an entry point, or null. */
export function unitOf(path: string): string | null {
  const parts = path.split('/');
  if (parts[0] === 'reports' || parts[0] === 'probes') return parts[0];
  if (parts[0] !== 'src') return null;
  if (parts.length === 2) return path; // a loose file under src/
  return `src/${parts[1]}`;
}

/** Relative import specifiers in a TypeScript source: static, `export … from`, `import type`, dynamic. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) if (m[1]) out.push(m[1]);
  return out;
}

/** Every edge between two different units that the table does not allow. */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, source] of files) {
    const from = unitOf(file);
    if (from === null) continue;
    for (const spec of importsOf(source)) {
      const target = normalize(join(dirname(file), spec)).split('\\').join('/').replace(/\.js$/, '.ts');
      const to = unitOf(target);
      if (to === null || to === from) continue;
      if (ENTRY_POINTS.has(from)) continue;
      if (ENTRY_POINTS.has(to)) {
        bad.push(`${file} imports the entry point ${target}`);
        continue;
      }
      const allowed = ALLOWED[from];
      if (allowed === undefined) bad.push(`${file}: ${from} is a unit the layering table does not know; add it to ALLOWED`);
      else if (!allowed.includes(to)) bad.push(`${file} → ${target}: ${from} may not import ${to}`);
    }
  }
  return bad;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    const st = statSync(join(ROOT, rel));
    if (st.isDirectory()) sources(rel, out);
    else if (name.endsWith('.ts')) out.set(relative(ROOT, join(ROOT, rel)).split('\\').join('/'), readFileSync(join(ROOT, rel), 'utf8'));
  }
  return out;
}

describe('layering', () => {
  it('the checker finds a back-edge, a type-only one and a dynamic one', () => {
    const files = new Map([
      ['src/core/a.ts', "import { x } from '../run/check.js';"],
      ['src/diagnosis/b.ts', "import type { Y } from '../browser/calls.js';"],
      ['reports/c.ts', "const m = await import('../src/probes-node/index.js');"],
      ['src/run/d.ts', "import { z } from '../core/schema.js';\nexport { w } from '../diagnosis/index.js';"],
      ['src/browser/e.ts', "import '../cli.js';"],
    ]);
    expect(violations(files)).toEqual([
      'src/core/a.ts → src/run/check.ts: src/core may not import src/run',
      'src/diagnosis/b.ts → src/browser/calls.ts: src/diagnosis may not import src/browser',
      'reports/c.ts → src/probes-node/index.ts: reports may not import src/probes-node',
      'src/browser/e.ts imports the entry point src/cli.ts',
    ]);
  });

  it('every folder of src/ is in the table, and src/ has only the two entry points loose', () => {
    const entries = readdirSync(join(ROOT, 'src'));
    const folders = entries.filter((e) => statSync(join(ROOT, 'src', e)).isDirectory()).map((e) => `src/${e}`);
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
    expect(entries.filter((e) => !statSync(join(ROOT, 'src', e)).isDirectory()).sort()).toEqual(['cli.ts', 'index.ts']);
  });

  it('no import in src/, reports/ or probes/ runs back up the layers', () => {
    const files = new Map([...sources('src'), ...sources('reports'), ...sources('probes')]);
    expect(files.size).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });
});
