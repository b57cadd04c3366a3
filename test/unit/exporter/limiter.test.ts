import { describe, expect, it } from 'vitest';
import { InFlightLimit } from '../../../src/services/exporter/limiter.js';

describe('in-flight limit', () => {
  it('refuses the probe over the bound and admits one again after a release', () => {
    const l = new InFlightLimit(2);
    const a = l.tryAcquire();
    const b = l.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(l.tryAcquire()).toBeNull();
    expect(l.inFlight).toBe(2);
    a?.();
    a?.(); // a second release of the same slot frees nothing more
    expect(l.inFlight).toBe(1);
    expect(l.tryAcquire()).not.toBeNull();
    expect(l.tryAcquire()).toBeNull();
  });

  it('takes a new bound on reload; running probes finish', () => {
    const l = new InFlightLimit(3);
    const rs = [l.tryAcquire(), l.tryAcquire(), l.tryAcquire()];
    l.setMax(1);
    expect(l.tryAcquire()).toBeNull();
    rs.forEach((r) => r?.());
    expect(l.tryAcquire()).not.toBeNull();
    expect(() => l.setMax(0)).toThrow();
  });
});
