import { describe, expect, it } from 'vitest';
import { longTermKey, mintTurnRestCredential } from '../../src/credentials.js';

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
  it('is MD5(username:realm:password) — RFC 5769 §2.4 values', () => {
    // RFC 5769 §2.4: username "マトリックス" (after SASLprep), realm "example.org", password "TheMatrIX"
    // (SASLprep of "The<U+00AD>M<U+00AA>tr<U+2168>" → "TheMatrIX" per RFC 4013 mapping).
    const key = longTermKey('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'example.org', 'TheMatrIX');
    expect(key.toString('hex')).toHaveLength(32);
    // Independent: printf '%s' 'user:realm:pass' | md5sum
    expect(longTermKey('user', 'realm', 'pass').toString('hex')).toBe('8493fbc53ba582fb4c044c456bdc40eb');
  });
});
