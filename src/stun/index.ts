/** Pure STUN/TURN codec: bytes in, typed values out. See the per-concept files for RFC references. */
export * from './header.js';
export * from './attribute-types.js';
export * from './address.js';
export * from './error-code.js';
export * from './fingerprint.js';
export * from './integrity.js';
export * from './message.js';
export * from './attributes.js';
export * from './framing.js';
export * from './saslprep.js';
