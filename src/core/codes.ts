/**
 * Stable check outcome codes. Tests and CI users assert on these, never on message text, so a
 * code is never renamed or reused for another meaning. Add new ones here, with one line each.
 */
export const CheckCode = {
  OK: 'OK',
  // ---- browser gathering (kind: gather)
  NO_SRFLX_CANDIDATE: 'NO_SRFLX_CANDIDATE', // stun: URL produced no server-reflexive candidate
  NO_RELAY_CANDIDATE: 'NO_RELAY_CANDIDATE', // turn(s): URL produced no relay candidate
  TURN_AUTH_FAILED: 'TURN_AUTH_FAILED', // icecandidateerror 401 from the TURN server
  TURN_FORBIDDEN: 'TURN_FORBIDDEN', // icecandidateerror 403
  TURN_QUOTA: 'TURN_QUOTA', // 486 allocation quota reached
  TURN_CAPACITY: 'TURN_CAPACITY', // 508 insufficient capacity
  TURN_ERROR: 'TURN_ERROR', // another STUN error code from the server
  TLS_CERT_REJECTED: 'TLS_CERT_REJECTED', // turns: failed with 701 and the TLS probe saw a bad certificate (or none ran)
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE', // icecandidateerror 701 without a certificate explanation (for turns:, the TLS probe found the port refused/silent)
  TLS_HANDSHAKE_FAILED: 'TLS_HANDSHAKE_FAILED', // turns: 701, and the TLS probe found the port open for TCP but without TLS (same string as the protocol code)
  BROWSER_DNS_FAILED: 'BROWSER_DNS_FAILED', // icecandidateerror 701 "… host lookup received error.": the browser could not resolve the server's name
  GATHER_TIMEOUT: 'GATHER_TIMEOUT', // no candidate from the URL within --timeout
  PORT_BLOCKED_BY_BROWSER: 'PORT_BLOCKED_BY_BROWSER', // Chromium refuses TURN on this port
  UNSUPPORTED_BY_BROWSER: 'UNSUPPORTED_BY_BROWSER', // e.g. stuns:, which Chromium does not implement
  NO_HOST_CANDIDATE: 'NO_HOST_CANDIDATE',
  // gather:all — one RTCPeerConnection with every server: NAT mapping evidence
  ADDRESS_DEPENDENT_MAPPING: 'ADDRESS_DEPENDENT_MAPPING', // one host socket, different srflx ports per server: symmetric NAT
  NO_SERVER_ANSWERED: 'NO_SERVER_ANSWERED', // gather:all got no srflx/relay candidate from any server
  // ---- config (kind: config)
  NO_TURN_CONFIGURED: 'NO_TURN_CONFIGURED',
  NO_TCP_TLS_RELAY: 'NO_TCP_TLS_RELAY',
  TURNS_NOT_ON_443: 'TURNS_NOT_ON_443',
  // ---- protocol probes (dns, stun-binding, turn-allocate, tls-handshake): see src/core/protocol-codes.ts
  // ---- calls (kind: call)
  RELAY_CALL_FAILED: 'RELAY_CALL_FAILED',
  ONE_SIDED_CALL_FAILED: 'ONE_SIDED_CALL_FAILED', // caller relay-forced, callee without TURN: the relayed address is not reachable from outside
  CALL_FAILED: 'CALL_FAILED',
  SLOW_SETUP: 'SLOW_SETUP',
  LOW_THROUGHPUT: 'LOW_THROUGHPUT',
  // ---- camera and microphone in a visitor's browser (kind: media, iceprobe serve)
  MEDIA_OK: 'MEDIA_OK', // getUserMedia granted a camera and a microphone track
  MEDIA_NOT_REQUESTED: 'MEDIA_NOT_REQUESTED', // skip: the person did not opt in, so nothing was asked
  MEDIA_NOT_SECURE_CONTEXT: 'MEDIA_NOT_SECURE_CONTEXT', // skip: plain http on a non-local address; browsers forbid media there
  MEDIA_UNSUPPORTED: 'MEDIA_UNSUPPORTED', // skip: a secure page, but the browser has no navigator.mediaDevices.getUserMedia
  MEDIA_PERMISSION_DENIED: 'MEDIA_PERMISSION_DENIED', // NotAllowedError/SecurityError: the person, the browser or the OS refused
  MEDIA_NO_ANSWER: 'MEDIA_NO_ANSWER', // the permission prompt was not answered within the page's bound
  NO_CAMERA: 'NO_CAMERA', // NotFoundError, and the browser lists no camera
  NO_MICROPHONE: 'NO_MICROPHONE', // NotFoundError, and the browser lists no microphone
  NO_MEDIA_DEVICES: 'NO_MEDIA_DEVICES', // NotFoundError, and the browser lists neither
  MEDIA_DEVICE_BUSY: 'MEDIA_DEVICE_BUSY', // NotReadableError/AbortError: another app holds the device, or the OS failed it
  MEDIA_OVERCONSTRAINED: 'MEDIA_OVERCONSTRAINED', // OverconstrainedError: no device satisfies the request
  MEDIA_ERROR: 'MEDIA_ERROR', // any other getUserMedia failure (its DOMException name is in details)
  // ---- run-level
  INTERRUPTED: 'INTERRUPTED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  SKIPPED: 'SKIPPED',
} as const;
export type CheckCode = (typeof CheckCode)[keyof typeof CheckCode];
