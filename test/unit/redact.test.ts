import { describe, expect, it } from 'vitest';
import { Secrets } from '../../src/core/redact.js';

describe('Secrets', () => {
  it('redacts every registered secret in text and in nested values', () => {
    const s = new Secrets();
    s.add('hunter2');
    s.add('we"ird\\pw');
    s.add(null);
    s.add('ab'); // too short to register
    expect(s.redact('user hunter2 pass')).toBe('user [redacted] pass');
    const v = s.redactValue({ a: ['hunter2'], b: { c: 'x we"ird\\pw y' }, ab: 'ab' });
    expect(JSON.stringify(v)).not.toContain('hunter2');
    expect(JSON.stringify(v)).not.toContain('ird');
    expect(v.ab).toBe('ab');
  });

  it('removes a longer secret whole when it contains a shorter one', () => {
    const s = new Secrets();
    s.add('abc');
    s.add('abcdef');
    expect(s.redact('abcdef')).toBe('[redacted]');
  });
});
