/**
 * The test harness reads a child's output as text: a UTF-8 character split across two pipe chunks
 * (the table's box-drawing characters are 3 bytes each) must arrive whole, not as two U+FFFD.
 */
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/process.js';

describe('runProcess', () => {
  it('decodes a multibyte character split across two writes', async () => {
    // '─' is E2 94 80; the child writes the first byte, waits, then the other two.
    const child = "process.stdout.write(Buffer.from([0xe2]));setTimeout(()=>process.stdout.write(Buffer.from([0x94,0x80,0x0a])),100)";
    const r = await runProcess(process.execPath, ['-e', child], { timeoutMs: 10_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('─\n');
  });
});
