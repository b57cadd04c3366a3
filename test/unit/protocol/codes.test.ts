import { describe, expect, it } from 'vitest';
import { CATALOG, CheckCode, NO_ADVICE, ProtocolCode, advice, statusOf, turnErrorCode } from '../../../src/core/codes.js';
import { makeCheck } from '../../../src/core/check.js';

describe('the check code catalog', () => {
  it('codes equal their names; every entry has a status and, if any, one sentence of advice', () => {
    expect(Object.keys(CATALOG).sort()).toEqual(Object.keys(CheckCode).sort());
    for (const [name, code] of Object.entries(CheckCode)) {
      expect(code).toBe(name);
      const e = CATALOG[code];
      expect(['pass', 'warn', 'fail', 'skip']).toContain(e.status);
      if (e.advice !== null && e.status !== 'pass') expect(e.advice).toMatch(/^[A-Z].{20,}\.$/);
    }
  });
  it('PACKET_LOSS has advice of its own', () => {
    // PACKET_LOSS used to borrow TURN_ERROR's text: it has its own now.
    expect(advice(CheckCode.PACKET_LOSS)).not.toBe(advice(CheckCode.TURN_ERROR));
    expect(advice(CheckCode.PACKET_LOSS)).toMatch(/loses packets/);
  });
  it('a code outside the catalog fails, with generic advice, never another code\'s', () => {
    expect(statusOf('NOT_A_CODE')).toBe('fail');
    expect(advice('NOT_A_CODE')).toBe(NO_ADVICE);
    expect(advice(CheckCode.INTERNAL_ERROR)).toBe(NO_ADVICE);
  });
  it('makeCheck takes status and advice from the catalog', () => {
    const base = { id: 'x', kind: 'path-quality' as const, target: 't', transport: 'udp' as const, message: 'm', durationMs: 1.234, details: { a: 1 } };
    expect(makeCheck({ ...base, code: CheckCode.OK })).toMatchObject({ status: 'pass', durationMs: 1.23, details: { a: 1 } });
    expect(makeCheck({ ...base, code: CheckCode.PACKET_LOSS })).toMatchObject({ status: 'warn', details: { a: 1, advice: advice(CheckCode.PACKET_LOSS) } });
    expect(makeCheck({ ...base, code: CheckCode.MEDIA_NOT_REQUESTED }).status).toBe('skip');
    expect(makeCheck({ ...base, code: CheckCode.INTERNAL_ERROR }).details).toEqual({ a: 1 });
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
