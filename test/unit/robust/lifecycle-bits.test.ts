/** Pure pieces of the interrupt and leftovers handling (issue 14). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unfinished } from '../../../src/run/check.js';
import { cleanStaleRunDirs, RUN_DIR_PREFIX } from '../../../src/servers/coturn.js';
import { serviceLine } from '../../../src/services/service.js';
import { Secrets } from '../../../src/core/redact.js';
import type { Check } from '../../../src/core/schema.js';

describe('unfinished checks of an interrupted run', () => {
  const c: Check = { id: 'call:relay-udp', kind: 'call', target: 'relay-udp', transport: 'udp', status: 'fail', code: 'RELAY_CALL_FAILED', message: 'Target page closed', durationMs: 10, details: { reason: 'x' } };
  it('are skipped with INTERRUPTED, keeping what they had come to', () => {
    const u = unfinished(c);
    expect(u).toMatchObject({ status: 'skip', code: 'INTERRUPTED', details: { reason: 'x', unfinished: { status: 'fail', code: 'RELAY_CALL_FAILED' } } });
    expect(unfinished({ ...c, status: 'warn' }).status).toBe('skip');
  });
  it('a check that passed before the stop keeps its verdict', () => {
    expect(unfinished({ ...c, status: 'pass', code: 'OK' })).toMatchObject({ status: 'pass', code: 'OK' });
  });
});

describe('cleanStaleRunDirs', () => {
  const root = mkdtempSync(join(tmpdir(), 'iceprobe-stale-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it('removes the run dirs of dead iceprobes (and old unowned ones), keeps live and fresh ones', () => {
    const dead = spawnSync('true').pid ?? 999_999;
    const mk = (name: string, owner: number | null) => {
      const d = join(root, `${RUN_DIR_PREFIX}${name}`);
      mkdirSync(d);
      writeFileSync(join(d, 'key.pem'), 'secret');
      if (owner !== null) writeFileSync(join(d, 'owner.pid'), `${owner}\n`);
      return d;
    };
    mk('live', process.pid);
    mk('dead', dead);
    mk('fresh', null);
    const old = mk('old', null);
    utimesSync(old, new Date(0), new Date(0));
    mkdirSync(join(root, 'unrelated-dir'));
    expect(cleanStaleRunDirs(root)).toBe(2);
    expect(readdirSync(root).sort()).toEqual([`${RUN_DIR_PREFIX}fresh`, `${RUN_DIR_PREFIX}live`, 'unrelated-dir']);
  });
});

describe('service (serve, relay, exporter, lab) log lines', () => {
  it('escape what a visitor sent (newlines, ANSI) and redact secrets', () => {
    const s = new Secrets();
    s.add('pw-visit-123');
    const line = serviceLine('report abc pass good [OK] from 127.0.0.1 (browser X\niceprobe: report forged\x1b[2J pw-visit-123)', s);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('\x1b');
    expect(line).not.toContain('pw-visit-123');
    expect(line).toContain('\\niceprobe: report forged\\u001b[2J');
  });
});
