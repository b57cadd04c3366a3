import { describe, expect, it } from 'vitest';
import { probeTimeout } from '../../../src/services/exporter/timeout.js';

describe('probe timeout', () => {
  it('is the scrape timeout minus the offset when that is shorter than the module\'s', () => {
    expect(probeTimeout('3', 0.5, 5_000)).toEqual({ ok: true, timeoutMs: 2_500, source: 'scrape' });
  });
  it('is capped by the module\'s timeout', () => {
    expect(probeTimeout('30', 0.5, 5_000)).toEqual({ ok: true, timeoutMs: 5_000, source: 'module' });
  });
  it('is the module\'s without the header (curl, a browser)', () => {
    expect(probeTimeout(undefined, 0.5, 5_000)).toEqual({ ok: true, timeoutMs: 5_000, source: 'module' });
    expect(probeTimeout(' ', 0.5, 5_000)).toEqual({ ok: true, timeoutMs: 5_000, source: 'module' });
  });
  it('refuses a header that is not a positive number, or leaves too little', () => {
    expect(probeTimeout('abc', 0.5, 5_000).ok).toBe(false);
    expect(probeTimeout('-1', 0.5, 5_000).ok).toBe(false);
    expect(probeTimeout('0.55', 0.5, 5_000).ok).toBe(false);
    expect(probeTimeout('0.6', 0.5, 5_000)).toEqual({ ok: true, timeoutMs: 100, source: 'scrape' });
  });
});
