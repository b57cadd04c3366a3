/**
 * ERROR-CODE attribute (RFC 8489 §14.8).
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Reserved, should be 0         |Class|     Number    |
 *  |      Reason Phrase (variable)                                ..
 *
 * code = Class * 100 + Number, Class 3..6, Number 0..99. (npm `stun` 2.1.0 computes
 * Class * (Number + 100), so a 401 reads as 404: never use it for this.)
 */

/** Error codes: RFC 8489 §14.8, RFC 8656 §18 (TURN), RFC 5780. */
export const ErrorCodeValue = {
  TryAlternate: 300,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403, // RFC 8656
  MobilityForbidden: 405, // RFC 8016
  UnknownAttribute: 420,
  AllocationMismatch: 437, // RFC 8656
  StaleNonce: 438,
  AddressFamilyNotSupported: 440, // RFC 8656
  WrongCredentials: 441, // RFC 8656
  UnsupportedTransportProtocol: 442, // RFC 8656
  PeerAddressFamilyMismatch: 443, // RFC 8656
  AllocationQuotaReached: 486, // RFC 8656
  RoleConflict: 487, // RFC 8445
  ServerError: 500,
  InsufficientCapacity: 508, // RFC 8656
} as const;

export interface ErrorCode {
  code: number;
  reason: string;
}

export type ErrorCodeResult = { ok: true; value: ErrorCode } | { ok: false; problem: string };

/** RFC 8489 §14.8: the reason phrase is at most 128 characters (< 763 bytes). */
export const MAX_REASON_BYTES = 763;

export function encodeErrorCode(e: ErrorCode): Buffer {
  if (!Number.isInteger(e.code) || e.code < 300 || e.code > 699) throw new RangeError(`error code ${e.code} out of range 300-699`);
  const reason = Buffer.from(e.reason, 'utf8').subarray(0, MAX_REASON_BYTES);
  const out = Buffer.alloc(4 + reason.length);
  out[2] = Math.floor(e.code / 100) & 0x07;
  out[3] = e.code % 100;
  reason.copy(out, 4);
  return out;
}

export function decodeErrorCode(value: Uint8Array): ErrorCodeResult {
  if (value.length < 4) return { ok: false, problem: 'ERROR-CODE shorter than 4 bytes' };
  const cls = value[2]! & 0x07;
  const num = value[3]!;
  if (cls < 3 || cls > 6) return { ok: false, problem: `ERROR-CODE class ${cls} out of range 3-6` };
  if (num > 99) return { ok: false, problem: `ERROR-CODE number ${num} out of range 0-99` };
  const reason = Buffer.from(value.buffer, value.byteOffset + 4, value.byteLength - 4).toString('utf8');
  return { ok: true, value: { code: cls * 100 + num, reason } };
}
