import { describe, expect, it } from 'vitest';
import { CheckCode } from '../../../src/core/codes.js';
import { ProtocolCode, advice, statusOf, turnErrorCode } from '../../../src/core/protocol-codes.js';

describe('protocol codes', () => {
  it('every code has one sentence of advice, and codes equal their names', () => {
    for (const [name, code] of Object.entries(ProtocolCode)) {
      expect(code).toBe(name);
      if (code !== 'OK') expect(advice(code)).toMatch(/^[A-Z].{20,}\.$/);
    }
  });
  it('codes shared with the browser checks use the same strings', () => {
    for (const k of ['TURN_AUTH_FAILED', 'TURN_FORBIDDEN', 'TURN_QUOTA', 'TURN_CAPACITY', 'TURN_ERROR', 'PORT_BLOCKED_BY_BROWSER', 'TURNS_NOT_ON_443', 'NO_TCP_TLS_RELAY', 'NO_TURN_CONFIGURED'] as const) {
      expect(ProtocolCode[k]).toBe(CheckCode[k]);
    }
  });
  it('status mapping', () => {
    expect(statusOf('OK')).toBe('pass');
    expect(statusOf(ProtocolCode.TURN_REFRESH_FAILED)).toBe('warn');
    expect(statusOf(ProtocolCode.TURNS_NOT_ON_443)).toBe('warn');
    expect(statusOf(ProtocolCode.TURN_NO_CREDENTIALS)).toBe('skip');
    expect(statusOf(ProtocolCode.TIMEOUT)).toBe('fail');
    expect(statusOf(ProtocolCode.TLS_CERT_SELF_SIGNED)).toBe('fail');
  });
  it('the credentials advice names credentials and realm', () => {
    expect(advice(ProtocolCode.TURN_AUTH_FAILED)).toMatch(/credential/);
    expect(advice(ProtocolCode.TURN_AUTH_FAILED)).toMatch(/realm/);
  });
  it.each([
    [300, 'TURN_TRY_ALTERNATE'], [400, 'TURN_BAD_REQUEST'], [401, 'TURN_AUTH_FAILED'], [403, 'TURN_FORBIDDEN'], [420, 'TURN_UNKNOWN_ATTRIBUTE'],
    [437, 'TURN_ALLOCATION_MISMATCH'], [438, 'TURN_STALE_NONCE'], [440, 'TURN_ADDRESS_FAMILY_NOT_SUPPORTED'], [441, 'TURN_WRONG_CREDENTIALS'],
    [442, 'TURN_UNSUPPORTED_TRANSPORT'], [486, 'TURN_QUOTA'], [508, 'TURN_CAPACITY'], [500, 'TURN_ERROR'], [404, 'TURN_ERROR'],
  ])('STUN error %i → %s', (code, expected) => {
    expect(turnErrorCode(code)).toBe(expected);
  });
});
