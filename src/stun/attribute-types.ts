/**
 * STUN attribute type registry (IANA "STUN Attributes").
 * 0x0000–0x7FFF comprehension-required, 0x8000–0xFFFF comprehension-optional (RFC 8489 §14).
 */
export const AttributeType = {
  // RFC 8489 §18.3.1 (comprehension-required)
  MAPPED_ADDRESS: 0x0001,
  CHANGE_REQUEST: 0x0003, // RFC 5780 §7.2
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  CHANNEL_NUMBER: 0x000c, // RFC 8656 §18.1
  LIFETIME: 0x000d, // RFC 8656 §18.2
  XOR_PEER_ADDRESS: 0x0012, // RFC 8656 §18.3
  DATA: 0x0013, // RFC 8656 §18.4
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016, // RFC 8656 §18.5
  REQUESTED_ADDRESS_FAMILY: 0x0017, // RFC 8656 §18.6
  EVEN_PORT: 0x0018, // RFC 8656 §18.7
  REQUESTED_TRANSPORT: 0x0019, // RFC 8656 §18.8
  DONT_FRAGMENT: 0x001a, // RFC 8656 §18.9
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  PASSWORD_ALGORITHM: 0x001d,
  USERHASH: 0x001e,
  XOR_MAPPED_ADDRESS: 0x0020,
  RESERVATION_TOKEN: 0x0022, // RFC 8656 §18.10
  // RFC 8489 §18.3.2 (comprehension-optional)
  PASSWORD_ALGORITHMS: 0x8002,
  ALTERNATE_DOMAIN: 0x8003,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b, // RFC 5780 §7.3
  OTHER_ADDRESS: 0x802c, // RFC 5780 §7.4
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

export function attributeName(type: number): string {
  for (const [name, value] of Object.entries(AttributeType)) if (value === type) return name;
  return `0x${type.toString(16).padStart(4, '0')}`;
}

/** RFC 8489 §14: types below 0x8000 must be understood by the receiver. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}
