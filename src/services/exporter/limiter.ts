/**
 * A bound on probes in flight. blackbox_exporter runs every request it gets at once, so a
 * Prometheus with many targets (or a retry storm) can pile up thousands of probes; here a probe
 * over the bound is refused at once (HTTP 503, server.ts) instead of queueing past its deadline.
 */
export class InFlightLimit {
  private active = 0;

  constructor(private maxActive: number) {
    InFlightLimit.validate(maxActive);
  }

  private static validate(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`internal: in-flight limit must be a positive integer (got ${n})`);
  }

  get inFlight(): number {
    return this.active;
  }

  get max(): number {
    return this.maxActive;
  }

  /** A reload may change the bound; probes already running finish. */
  setMax(n: number): void {
    InFlightLimit.validate(n);
    this.maxActive = n;
  }

  /** A release function (idempotent) when there is room, else null. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.maxActive) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}
