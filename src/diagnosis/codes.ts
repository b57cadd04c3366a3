/**
 * Stable finding codes of the diagnosis engine, one line each. A finding code names a root cause
 * (or its consequence for users), not a single check outcome: it rests on one or more checks,
 * listed in the finding's `checkIds`. Tests, the lab scenarios and CI users assert on these
 * strings, so a code is never renamed or reused for another meaning.
 */
export const FindingCode = {
  // ---- everything works
  ALL_GOOD: 'ALL_GOOD', // info: no check failed and no warn/error finding
  // ---- configuration (servers[] and config checks)
  NO_TURN_CONFIGURED: 'NO_TURN_CONFIGURED', // no turn:/turns: URL at all
  NO_TCP_TLS_RELAY: 'NO_TCP_TLS_RELAY', // TURN only over UDP: no fallback for UDP-blocking networks
  TURNS_NOT_ON_443: 'TURNS_NOT_ON_443', // turns: only on ports other than 443
  PORT_BLOCKED_BY_BROWSER: 'PORT_BLOCKED_BY_BROWSER', // Chromium refuses TURN on this port (not 53/80/443/>=1024)
  UNSUPPORTED_BY_BROWSER: 'UNSUPPORTED_BY_BROWSER', // e.g. stuns:, which browsers ignore
  // ---- name resolution
  DNS_FAILURE: 'DNS_FAILURE', // a server's host name does not resolve (or the resolver failed)
  BROWSER_DNS_FAILED: 'BROWSER_DNS_FAILED', // the browser could not resolve a name this machine's resolver does (e.g. only in /etc/hosts)
  // ---- reachability (browser and Node views combined)
  UDP_BLOCKED: 'UDP_BLOCKED', // UDP to the server gets no answer while TCP/TLS to it works
  TCP_BLOCKED: 'TCP_BLOCKED', // TCP/TLS to the server gets no answer while UDP to it works
  ONLY_443_OPEN: 'ONLY_443_OPEN', // only URLs on port 443 work; other ports get no answer
  SERVER_UNREACHABLE: 'SERVER_UNREACHABLE', // nothing answers on any transport (server down, or all traffic to it blocked)
  PORT_UNREACHABLE: 'PORT_UNREACHABLE', // one URL gets no answer while other URLs of the same server work
  NO_RELAY_CANDIDATE: 'NO_RELAY_CANDIDATE', // the browser got no relay candidate from any TURN URL
  // ---- TURN server answers
  TURN_AUTH_FAILED: 'TURN_AUTH_FAILED', // 401/441: wrong username/credential or realm (browser and/or Node)
  TURN_CREDENTIAL_EXPIRED: 'TURN_CREDENTIAL_EXPIRED', // 401 and the TURN REST username's expiry is in the past
  TURN_REALM_MISMATCH: 'TURN_REALM_MISMATCH', // the server's realm is not the expected one
  TURN_FORBIDDEN: 'TURN_FORBIDDEN', // 403
  TURN_QUOTA: 'TURN_QUOTA', // 486 allocation quota reached
  TURN_CAPACITY: 'TURN_CAPACITY', // 508 server out of relay capacity
  TURN_SERVER_ERROR: 'TURN_SERVER_ERROR', // another STUN/TURN error or protocol violation by the server
  BAD_SERVER_RESPONSE: 'BAD_SERVER_RESPONSE', // something answers on the port, but not STUN/TURN
  TURN_REFRESH_FAILED: 'TURN_REFRESH_FAILED', // allocation worked, freeing it did not
  // ---- TLS (turns:), one code per certificate reason
  TLS_CERT_SELF_SIGNED: 'TLS_CERT_SELF_SIGNED',
  TLS_CERT_EXPIRED: 'TLS_CERT_EXPIRED',
  TLS_CERT_NOT_YET_VALID: 'TLS_CERT_NOT_YET_VALID',
  TLS_CERT_HOSTNAME_MISMATCH: 'TLS_CERT_HOSTNAME_MISMATCH',
  TLS_CERT_INCOMPLETE_CHAIN: 'TLS_CERT_INCOMPLETE_CHAIN',
  TLS_CERT_UNTRUSTED: 'TLS_CERT_UNTRUSTED',
  TLS_CERT_REJECTED: 'TLS_CERT_REJECTED', // the browser failed TURNS (701) and no TLS probe explains why
  TLS_HANDSHAKE_FAILED: 'TLS_HANDSHAKE_FAILED', // TCP connects, TLS does not (TCP open, no TLS; says when the port speaks plain STUN/TURN)
  PORT_SPEAKS_TLS: 'PORT_SPEAKS_TLS', // turn:?transport=tcp at a port that speaks TLS, not plain STUN/TURN
  // ---- NAT and paths
  SYMMETRIC_NAT: 'SYMMETRIC_NAT', // address-dependent mapping: a different public port per destination
  RELAY_REQUIRED: 'RELAY_REQUIRED', // direct paths do not work from here: calls depend on TURN
  // ---- IPv6 (dual-stack hosts: a name with A and AAAA records)
  IPV6_PATH_BROKEN: 'IPV6_PATH_BROKEN', // the IPv4 address answers, the IPv6 address does not: clients that try IPv6 first stall
  DUAL_STACK_MISMATCH: 'DUAL_STACK_MISMATCH', // IPv4 and IPv6 answer differently (another server or config behind the AAAA)
  // ---- the relay seen from outside (relay-reach probe, one-sided call)
  RELAY_PORTS_BLOCKED: 'RELAY_PORTS_BLOCKED', // datagrams from outside never reach the relay ports (firewall/security group on min-port..max-port), while 3478/443 answer
  RELAY_ADDRESS_WRONG: 'RELAY_ADDRESS_WRONG', // the advertised relayed address is not the server's (wrong external-ip: private, documentation, reserved, or another address)
  // ---- calls
  RELAY_CALL_FAILED: 'RELAY_CALL_FAILED', // a relay-forced call failed although the URL gave a relay candidate
  CALL_FAILED: 'CALL_FAILED', // the call with every server (policy all) failed
  SLOW_SETUP: 'SLOW_SETUP', // a call took longer than the threshold to connect
  LOW_THROUGHPUT: 'LOW_THROUGHPUT', // a call moved less than the threshold through the relay
  DATA_CHANNEL_STALLED: 'DATA_CHANNEL_STALLED', // a call's data channel delivered nothing for >= 0.5 s while the link stayed busy (TURN/TCP meltdown, or head-of-line blocking)
  DATA_CHANNEL_RETRANSMITTING: 'DATA_CHANNEL_RETRANSMITTING', // a call's transport received >= 1.3x what its data channel delivered, with no quiet interval: the link carried duplicates (TURN/TCP meltdown, or bufferbloat over UDP)
  // ---- browser engines (--browser all)
  ENGINES_DISAGREE: 'ENGINES_DISAGREE', // a URL or relay call works in one engine (Chromium/Firefox) and not the other; names the likely cause
  PACKET_LOSS: 'PACKET_LOSS', // the UDP path to the server loses packets above the threshold (path-quality burst)
  // ---- the run itself
  RUN_INTERRUPTED: 'RUN_INTERRUPTED', // the report is partial
  INTERNAL_ERROR: 'INTERNAL_ERROR', // iceprobe itself failed in some check
  EXPECTATION_FAILED: 'EXPECTATION_FAILED', // one or more --expect gates failed (added after diagnosis)
} as const;
export type FindingCode = (typeof FindingCode)[keyof typeof FindingCode];
