import { describe, expect, it } from 'vitest';
import { Quota, RateLimiter } from '../../../src/services/serve/limits.js';

describe('RateLimiter (fake clock)', () => {
  it('allows `limit` requests per window per key, refuses the next with the wait until the oldest expires', () => {
    let t = 1_000;
    const r = new RateLimiter(3, 60_000, () => t);
    const first = [r.take('a'), (t += 1_000, r.take('a')), (t += 1_000, r.take('a'))];
    expect(first.every((d) => d.ok)).toBe(true);
    t += 8_000;
    expect(r.take('a')).toEqual({ ok: false, retryAfterMs: 50_000 });
    expect(r.take('b').ok).toBe(true); // another address is not affected
    t += 50_000; // the first request (t=1000) is now exactly one window old
    expect(r.take('a').ok).toBe(true);
    expect(r.take('a').ok).toBe(false);
  });

  it('does not count refused requests (a client hammering after a 429 is not locked out for longer)', () => {
    let t = 0;
    const r = new RateLimiter(1, 1_000, () => t);
    expect(r.take('x').ok).toBe(true);
    for (let i = 0; i < 50; i++) {
      t += 10;
      expect(r.take('x').ok).toBe(false);
    }
    t = 1_001;
    expect(r.take('x').ok).toBe(true);
  });

  it('bounds memory: the least recently seen keys are evicted beyond maxKeys', () => {
    const r = new RateLimiter(1, 60_000, () => 0, 3);
    for (const k of ['a', 'b', 'c', 'd']) r.take(k);
    expect(r.keys).toBe(3);
    expect(r.take('a').ok).toBe(true); // 'a' was evicted, so it starts over
    expect(r.take('d').ok).toBe(false);
  });

  it('refuses nonsense limits', () => {
    expect(() => new RateLimiter(0, 1000, () => 0)).toThrow(RangeError);
    expect(() => new RateLimiter(1, 0, () => 0)).toThrow(RangeError);
  });
});

describe('Quota', () => {
  it('counts uses per key up to the limit', () => {
    const q = new Quota(2);
    expect(q.take('t1')).toBe(true);
    expect(q.remaining('t1')).toBe(1);
    expect(q.take('t1')).toBe(true);
    expect(q.take('t1')).toBe(false);
    expect(q.remaining('t1')).toBe(0);
    expect(q.take('t2')).toBe(true);
    expect(new Quota(0).take('x')).toBe(false);
  });
});
