/** Splitting a --ca-file bundle into the certificates the browser's NSS db imports one by one. */
import { describe, expect, it } from 'vitest';
import { browserCaTrust, pemBlocks } from '../../src/browser/ca-trust.js';

const block = (n: number) => `-----BEGIN CERTIFICATE-----\nQUJD${n}\n-----END CERTIFICATE-----`;

describe('pemBlocks', () => {
  it('finds every certificate of a bundle, in order, and ignores text around them', () => {
    expect(pemBlocks([`subject=root\n${block(1)}\n\n${block(2)}\n`, block(3)])).toEqual([block(1), block(2), block(3)]);
  });
  it('no certificate → none', () => {
    expect(pemBlocks(['-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----'])).toEqual([]);
  });
});

describe('browserCaTrust without anything to do', () => {
  it('no certificate, or not Linux: the reason, and no temporary HOME', async () => {
    expect(await browserCaTrust([])).toEqual({ ok: false, reason: 'no PEM certificate to trust' });
    const mac = await browserCaTrust([block(1)], 'darwin');
    expect(mac.ok).toBe(false);
  });
});
