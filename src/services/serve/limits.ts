/**
 * The serve endpoint's abuse limits, pure: the clock is injected, so unit tests never sleep.
 *
 * - RateLimiter: at most `limit` requests per key (a client IP) in any `windowMs` window
 *   (sliding log; memory is bounded by `maxKeys`, the stalest keys are evicted first).
 * - Quota: at most `limit` uses per key (a link token), for the server's lifetime.
 */
export interface RateDecision {
  ok: boolean;
  /** When refused: milliseconds until the oldest request in the window expires. */
  retryAfterMs: number;
}

export class RateLimiter {
  private readonly log = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer (got ${limit})`);
    if (!(windowMs > 0)) throw new RangeError(`rate window must be positive (got ${windowMs})`);
  }

  /** Counts one request for `key` if allowed; a refused request is not counted. */
  take(key: string): RateDecision {
    const t = this.now();
    const since = t - this.windowMs;
    const times = (this.log.get(key) ?? []).filter((x) => x > since);
    if (times.length >= this.limit) {
      this.log.set(key, times);
      return { ok: false, retryAfterMs: Math.max(1, Math.ceil((times[0] ?? t) + this.windowMs - t)) };
    }
    times.push(t);
    this.log.delete(key); // re-insert: Map order is then least-recently-used first
    this.log.set(key, times);
    while (this.log.size > this.maxKeys) {
      const oldest = this.log.keys().next().value;
      if (oldest === undefined) break;
      this.log.delete(oldest);
    }
    return { ok: true, retryAfterMs: 0 };
  }

  get keys(): number {
    return this.log.size;
  }
}

export class Quota {
  private readonly used = new Map<string, number>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`quota must be a non-negative integer (got ${limit})`);
  }

  remaining(key: string): number {
    return Math.max(0, this.limit - (this.used.get(key) ?? 0));
  }

  /** Uses one unit if any is left. */
  take(key: string): boolean {
    if (this.remaining(key) <= 0) return false;
    this.used.set(key, (this.used.get(key) ?? 0) + 1);
    return true;
  }
}
