/** Files the user names: regular files only, bounded (issue 14: /dev/zero, FIFOs hung the CLI). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileRefused, readRegularFile } from '../../../src/core/files.js';
import { ConfigError } from '../../../src/core/errors.js';
import { loadConfigFile } from '../../../src/config/config.js';
import { loadReport } from '../../../reports/write.js';

const dir = mkdtempSync(join(tmpdir(), 'iceprobe-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);

function problemsOf(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('did not throw');
}

describe('readRegularFile', () => {
  it('reads a regular file', () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'hello');
    expect(readRegularFile(p, 100)).toBe('hello');
  });

  it('refuses a device, a FIFO with no writer and a too-large file, at once', () => {
    const t0 = performance.now();
    expect(() => readRegularFile('/dev/zero', 1024)).toThrow(FileRefused);
    expect(() => readRegularFile(fifo, 1024)).toThrow(FileRefused);
    const big = join(dir, 'big');
    writeFileSync(big, Buffer.alloc(2048));
    expect(() => readRegularFile(big, 1024)).toThrow(/larger than 1024 bytes/);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('reads a /proc file (size 0 in stat) to its end', () => {
    expect(readRegularFile('/proc/self/status', 1024 * 1024)).toMatch(/^Name:/);
  });
});

describe('--config and iceprobe report name the refusal in one line', () => {
  for (const p of ['/dev/zero', fifo]) {
    it(p, () => {
      for (const problems of [problemsOf(() => loadConfigFile(p)), problemsOf(() => loadReport(p))]) {
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/not a regular file/);
      }
    });
  }
});
