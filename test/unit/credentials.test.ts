import { describe, expect, it } from 'vitest';
import { longTermKey, mintTurnRestCredential } from '../../src/core/credentials.js';

describe('TURN REST credentials (coturn use-auth-secret)', () => {
  it('mints username "<expiry>:<user>" and base64(HMAC-SHA1(secret, username))', () => {
    // Vector computed independently:
    //   printf '%s' '1700003600:alice' | openssl dgst -sha1 -hmac 'north' -binary | base64
    const c = mintTurnRestCredential('north', 'alice', 1_700_000_000_000, 3600);
    expect(c.username).toBe('1700003600:alice');
    expect(c.expiresAt).toBe(1_700_003_600);
    expect(c.credential).toBe('wjwSXO2ch1B6VaLTLMy2Avn5O9o=');
  });

  it('depends on the secret', () => {
    const a = mintTurnRestCredential('north', 'alice', 0, 60);
    const b = mintTurnRestCredential('south', 'alice', 0, 60);
    expect(a.username).toBe(b.username);
    expect(a.credential).not.toBe(b.credential);
  });
});

describe('long-term key (RFC 8489 §9.2.2)', () => {
  it('is MD5(username:realm:password) after SASLprep — RFC 5769 §2.4 values', () => {
    // RFC 5769 §2.4: password "The<U+00AD>M<U+00AA>tr<U+2168>" SASLpreps to "TheMatrIX"
    // (soft hyphen removed, NFKC of ª and Ⅸ), so both spellings give the same key.
    const user = '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9';
    const raw = longTermKey(user, 'example.org', 'The\u00ADM\u00AAtr\u2168');
    expect(raw.equals(longTermKey(user, 'example.org', 'TheMatrIX'))).toBe(true);
    // Independent: printf '%s' 'user:realm:pass' | md5sum
    expect(longTermKey('user', 'realm', 'pass').toString('hex')).toBe('8493fbc53ba582fb4c044c456bdc40eb');
  });
});
