/**
 * The one catalog of check outcome codes: every code a check can carry, with its default status
 * and, where there is one concrete thing to do, its advice. Tests and CI users assert on these
 * strings, never on message text, so a code is never renamed or reused for another meaning. Add a
 * new one to CheckCode (one line) and to CATALOG (the compiler insists). Checks are built from the
 * catalog by makeCheck (src/core/check.ts); finding codes live in src/diagnosis/codes.ts.
 */
import type { Status } from './schema.js';

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
  // ---- DNS (kind: dns)
  DNS_NOT_FOUND: 'DNS_NOT_FOUND', // the name has no A/AAAA record (NXDOMAIN / no data)
  DNS_ERROR: 'DNS_ERROR', // resolver failure or timeout (SERVFAIL, EAI_AGAIN)
  // ---- transport, shared by stun-binding / turn-allocate / tls-handshake
  TIMEOUT: 'TIMEOUT', // UDP: no answer to any retransmission; TCP/TLS: no connect or no answer within the bound
  CONNECTION_REFUSED: 'CONNECTION_REFUSED', // TCP RST or ICMP port unreachable: nothing listens there
  CONNECTION_RESET: 'CONNECTION_RESET', // the server (or a middlebox) reset the connection mid-way
  CONNECTION_CLOSED: 'CONNECTION_CLOSED', // the server closed the connection without answering
  NETWORK_UNREACHABLE: 'NETWORK_UNREACHABLE', // no route to the address from this machine
  SOCKET_ERROR: 'SOCKET_ERROR', // another local socket error
  NOT_STUN: 'NOT_STUN', // the answer is not STUN at all (garbage, HTTP, a TLS server that is not TURN)
  NO_MAGIC_COOKIE: 'NO_MAGIC_COOKIE', // STUN-like answer without the RFC 5389 magic cookie (RFC 3489-only server or garbage)
  MALFORMED_RESPONSE: 'MALFORMED_RESPONSE', // a STUN answer that violates the encoding (length, attributes, FINGERPRINT)
  TRANSACTION_MISMATCH: 'TRANSACTION_MISMATCH', // an answer for a transaction id we never sent
  ABORTED: 'ABORTED', // the run was interrupted before the probe finished
  // ---- STUN Binding (kind: stun-binding)
  STUN_ERROR_RESPONSE: 'STUN_ERROR_RESPONSE', // the server answered the Binding request with an error
  STUN_NO_MAPPED_ADDRESS: 'STUN_NO_MAPPED_ADDRESS', // a Binding success without (XOR-)MAPPED-ADDRESS
  // ---- TURN Allocate (kind: turn-allocate); RFC 8656 error codes in comments
  TURN_NO_CREDENTIALS: 'TURN_NO_CREDENTIALS', // no username/credential for this turn: URL (skip)
  TURN_REALM_MISMATCH: 'TURN_REALM_MISMATCH', // the server's REALM differs from the expected one (or changed mid-flow)
  TURN_CREDENTIAL_EXPIRED: 'TURN_CREDENTIAL_EXPIRED', // 401 and the TURN REST username's expiry time is in the past
  TURN_WRONG_CREDENTIALS: 'TURN_WRONG_CREDENTIALS', // 441
  TURN_STALE_NONCE: 'TURN_STALE_NONCE', // 438 again and again: the server never accepts its own nonce
  TURN_NO_AUTH_CHALLENGE: 'TURN_NO_AUTH_CHALLENGE', // 401 without REALM/NONCE: cannot authenticate
  TURN_ALLOCATION_MISMATCH: 'TURN_ALLOCATION_MISMATCH', // 437
  TURN_UNKNOWN_ATTRIBUTE: 'TURN_UNKNOWN_ATTRIBUTE', // 420
  TURN_UNSUPPORTED_TRANSPORT: 'TURN_UNSUPPORTED_TRANSPORT', // 442
  TURN_ADDRESS_FAMILY_NOT_SUPPORTED: 'TURN_ADDRESS_FAMILY_NOT_SUPPORTED', // 440
  TURN_TRY_ALTERNATE: 'TURN_TRY_ALTERNATE', // 300
  TURN_BAD_REQUEST: 'TURN_BAD_REQUEST', // 400
  TURN_INTEGRITY_INVALID: 'TURN_INTEGRITY_INVALID', // the success response's MESSAGE-INTEGRITY does not validate with our key
  TURN_NO_RELAYED_ADDRESS: 'TURN_NO_RELAYED_ADDRESS', // Allocate success without XOR-RELAYED-ADDRESS
  TURN_REFRESH_FAILED: 'TURN_REFRESH_FAILED', // allocated, but Refresh(lifetime 0) failed: the allocation lingers until it expires (warn)
  // ---- relay reachability from outside (kind: relay-reach); OK = both directions arrived
  RELAY_UNREACHABLE: 'RELAY_UNREACHABLE', // datagrams from a plain outside socket to the relayed address never came back as Data indications: relay ports blocked
  RELAY_ONE_WAY: 'RELAY_ONE_WAY', // datagrams reach the relay, but Send indications never reach the outside socket
  RELAY_ADDRESS_NOT_SERVER: 'RELAY_ADDRESS_NOT_SERVER', // the relayed address is private/documentation/reserved, not the server's: wrong external-ip
  RELAY_ADDRESS_UNVERIFIED: 'RELAY_ADDRESS_UNVERIFIED', // the relayed address is a public address other than the URL's: not tested (warn)
  RELAY_PERMISSION_FAILED: 'RELAY_PERMISSION_FAILED', // CreatePermission for our own address was refused
  RELAY_NOT_TESTED: 'RELAY_NOT_TESTED', // no allocation to test (see the turn-allocate check) (skip)
  // ---- TLS (kind: tls-handshake)
  TLS_HANDSHAKE_FAILED: 'TLS_HANDSHAKE_FAILED', // TCP connected but no TLS session (protocol/cipher mismatch, not TLS, reset, or no answer to the ClientHello); details.tcpConnectMs, details.portSpeaks. Gather: turns: 701 and the TLS probe found the port open for TCP but without TLS
  PORT_SPEAKS_TLS: 'PORT_SPEAKS_TLS', // turn:?transport=tcp: TCP connects, no plain STUN answer, but the port completes a TLS handshake: it is a turns: port
  TLS_CERT_SELF_SIGNED: 'TLS_CERT_SELF_SIGNED', // the server certificate is self-signed
  TLS_CERT_EXPIRED: 'TLS_CERT_EXPIRED', // a certificate in the chain is past its notAfter
  TLS_CERT_NOT_YET_VALID: 'TLS_CERT_NOT_YET_VALID', // a certificate in the chain is before its notBefore
  TLS_CERT_HOSTNAME_MISMATCH: 'TLS_CERT_HOSTNAME_MISMATCH', // the certificate names neither the host nor its IP
  TLS_CERT_INCOMPLETE_CHAIN: 'TLS_CERT_INCOMPLETE_CHAIN', // the server does not send the intermediate certificate(s)
  TLS_CERT_UNTRUSTED: 'TLS_CERT_UNTRUSTED', // the chain ends in a CA that is not in the trust store
  // ---- skipped Node probes
  SKIPPED_DNS: 'SKIPPED_DNS', // not probed because the host name did not resolve (skip)
  SKIPPED_NO_IPV6_ROUTE: 'SKIPPED_NO_IPV6_ROUTE', // a dual-stack host's IPv6 address not probed: this machine has no IPv6 route to it (skip)
  // ---- NAT behaviour discovery (kind: nat, RFC 5780); OK = endpoint-independent mapping
  NAT_ADDRESS_DEPENDENT_MAPPING: 'NAT_ADDRESS_DEPENDENT_MAPPING', // a new public mapping per destination IP: symmetric NAT (warn)
  NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING', // a new public mapping per destination IP and port: symmetric NAT (warn)
  NAT_UNSUPPORTED_SERVER: 'NAT_UNSUPPORTED_SERVER', // the server does not do RFC 5780 (no OTHER-ADDRESS, 420 to CHANGE-REQUEST, or ignores it) (skip)
  NAT_INCOMPLETE: 'NAT_INCOMPLETE', // the server does RFC 5780 but its other address never answered: mapping unknown (warn)
  // ---- path quality (kind: path-quality)
  PACKET_LOSS: 'PACKET_LOSS', // one-way loss at or above the threshold (warn)
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
  // ---- --expect gates (kind: expectation)
  EXPECTATION_FAILED: 'EXPECTATION_FAILED', // the measured value misses the rule
  EXPECTATION_UNMEASURED: 'EXPECTATION_UNMEASURED', // the rule's subject was never measured (a failure too)
  // ---- the exporter (src/services/exporter)
  BROWSER_UNAVAILABLE: 'BROWSER_UNAVAILABLE', // the warm browser could not be started (or died mid-probe)
  // ---- run-level
  INTERRUPTED: 'INTERRUPTED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  SKIPPED: 'SKIPPED',
} as const;
export type CheckCode = (typeof CheckCode)[keyof typeof CheckCode];

/** The Node probes' name for the same catalog (kept so their code reads as before). */
export const ProtocolCode = CheckCode;
export type ProtocolCode = CheckCode;

export interface CodeEntry {
  /** The status a check with this code has. */
  status: Status;
  /** One concrete sentence for the person who runs the server; null where the message says it all. */
  advice: string | null;
}

export const CATALOG: Record<CheckCode, CodeEntry> = {
  OK: { status: 'pass', advice: 'Nothing to do.' },
  NO_SRFLX_CANDIDATE: { status: 'fail', advice: null },
  NO_RELAY_CANDIDATE: { status: 'fail', advice: null },
  TURN_AUTH_FAILED: { status: 'fail', advice: 'The server rejected the username/credential on the authenticated request (details.authRejection has its code: 401, or 400 from pion/turn): check both, that they were made for the server\'s realm, and for TURN REST that the shared secret matches.' },
  TURN_FORBIDDEN: { status: 'fail', advice: 'The server forbids this allocation (403): check the server\'s allowed/denied peer and client address rules and the user\'s permissions.' },
  TURN_QUOTA: { status: 'fail', advice: 'The user has reached the server\'s allocation quota (486): raise user-quota/total-quota or use separate usernames per client.' },
  TURN_CAPACITY: { status: 'fail', advice: 'The server is out of relay capacity (508): add relay ports or servers, or raise the server\'s limits.' },
  TURN_ERROR: { status: 'fail', advice: 'The server answered with an unexpected error code: see the code and reason in the details and the server\'s log.' },
  TLS_CERT_REJECTED: { status: 'fail', advice: null },
  SERVER_UNREACHABLE: { status: 'fail', advice: null },
  BROWSER_DNS_FAILED: { status: 'fail', advice: null },
  GATHER_TIMEOUT: { status: 'fail', advice: null },
  PORT_BLOCKED_BY_BROWSER: { status: 'fail', advice: 'Chromium ignores TURN on this port: move the server to 53, 80, 443 or a port >= 1024.' },
  UNSUPPORTED_BY_BROWSER: { status: 'warn', advice: null },
  NO_HOST_CANDIDATE: { status: 'fail', advice: null },
  ADDRESS_DEPENDENT_MAPPING: { status: 'warn', advice: null },
  NO_SERVER_ANSWERED: { status: 'skip', advice: null },
  NO_TURN_CONFIGURED: { status: 'warn', advice: 'Without a TURN server, clients behind symmetric NATs or UDP-blocking firewalls cannot connect: add turn:/turns: URLs.' },
  NO_TCP_TLS_RELAY: { status: 'warn', advice: 'Clients on networks that block UDP get no relay: add a turn: URL with ?transport=tcp and a turns: URL on 443.' },
  TURNS_NOT_ON_443: { status: 'warn', advice: 'Clients behind firewalls that only open 443 cannot reach this turns: URL: also listen for TURN over TLS on 443.' },
  DNS_NOT_FOUND: { status: 'fail', advice: 'Create an A (and AAAA if you serve IPv6) record for this name, or fix the spelling of the host in the URL.' },
  DNS_ERROR: { status: 'fail', advice: 'The resolver failed or timed out; check this machine\'s DNS settings and that the zone\'s name servers answer.' },
  TIMEOUT: { status: 'fail', advice: 'Nothing answered in time: check that the server runs and listens on this address and port, and that no firewall drops this transport (UDP is often blocked; offer TURN over TCP/TLS on 443).' },
  CONNECTION_REFUSED: { status: 'fail', advice: 'Nothing listens on this address and port for this transport: start the server or fix the port in the URL.' },
  CONNECTION_RESET: { status: 'fail', advice: 'The connection was reset: look for a firewall or proxy that kills this traffic, or a server that rejects the client.' },
  CONNECTION_CLOSED: { status: 'fail', advice: 'The server closed the connection without answering: make sure this port is the TURN/STUN listener and not another service.' },
  NETWORK_UNREACHABLE: { status: 'fail', advice: 'This machine has no route to the server\'s address: check the address family (IPv4/IPv6) and routing.' },
  SOCKET_ERROR: { status: 'fail', advice: 'A local socket error stopped the probe: check this machine\'s network configuration.' },
  NOT_STUN: { status: 'fail', advice: 'Something answers on this port, but not STUN/TURN: point the URL at the TURN server\'s listener (for turns:, the TLS listener must speak TURN, not HTTPS).' },
  NO_MAGIC_COOKIE: { status: 'fail', advice: 'The answer lacks the RFC 5389 magic cookie: replace this RFC 3489-era server with a current STUN/TURN server (browsers need RFC 5389).' },
  MALFORMED_RESPONSE: { status: 'fail', advice: 'The server sent a broken STUN message: upgrade or fix the server software, or look for a middlebox that rewrites the traffic.' },
  TRANSACTION_MISMATCH: { status: 'fail', advice: 'The answer belongs to a request this client never sent: look for a NAT/proxy that mixes up flows or a server that echoes stale responses.' },
  ABORTED: { status: 'fail', advice: 'The run was interrupted; run it again to get a result.' },
  STUN_ERROR_RESPONSE: { status: 'fail', advice: 'The server refused a plain Binding request: make sure STUN is enabled on this listener.' },
  STUN_NO_MAPPED_ADDRESS: { status: 'fail', advice: 'The server\'s Binding response has no XOR-MAPPED-ADDRESS, so browsers get no srflx candidate: upgrade the server.' },
  TURN_NO_CREDENTIALS: { status: 'skip', advice: 'Give a username and credential (or a TURN REST secret) for this turn: URL to probe the allocation.' },
  TURN_REALM_MISMATCH: { status: 'fail', advice: 'The server\'s realm is not the expected one: make the credentials and the server agree on the realm (coturn --realm).' },
  TURN_CREDENTIAL_EXPIRED: { status: 'fail', advice: 'The TURN REST username has expired: mint credentials with a future expiry (and check the clocks of the minting service and the TURN server).' },
  TURN_WRONG_CREDENTIALS: { status: 'fail', advice: 'The server says these credentials do not match the allocation (441): use the same username for every request of a session.' },
  TURN_STALE_NONCE: { status: 'fail', advice: 'The server keeps rejecting its own nonce (438): check the server\'s clock and nonce lifetime settings.' },
  TURN_NO_AUTH_CHALLENGE: { status: 'fail', advice: 'The server\'s 401 carries no REALM/NONCE, so no client can authenticate: fix the server\'s long-term credential configuration.' },
  TURN_ALLOCATION_MISMATCH: { status: 'fail', advice: 'The server thinks an allocation already exists for this client address (437): wait for it to expire or look for a NAT reusing ports.' },
  TURN_UNKNOWN_ATTRIBUTE: { status: 'fail', advice: 'The server does not understand an attribute browsers send (420): upgrade the TURN server to an RFC 5766/8656 implementation.' },
  TURN_UNSUPPORTED_TRANSPORT: { status: 'fail', advice: 'The server does not relay this transport (442): enable UDP relaying on the server.' },
  TURN_ADDRESS_FAMILY_NOT_SUPPORTED: { status: 'fail', advice: 'The server cannot relay this address family (440): configure a relay address of that family on the server.' },
  TURN_TRY_ALTERNATE: { status: 'fail', advice: 'The server redirects to another server (300): put the alternate server in the configuration directly; browsers do not follow ALTERNATE-SERVER.' },
  TURN_BAD_REQUEST: { status: 'fail', advice: 'The server rejected the request as malformed (400): check for a middlebox that rewrites STUN, or a server that is not RFC-compliant.' },
  TURN_INTEGRITY_INVALID: { status: 'fail', advice: 'The server\'s MESSAGE-INTEGRITY does not validate with the expected key: check the realm and password handling on the server.' },
  TURN_NO_RELAYED_ADDRESS: { status: 'fail', advice: 'The allocation succeeded without a relayed address: fix the server\'s relay-ip configuration.' },
  TURN_REFRESH_FAILED: { status: 'warn', advice: 'Freeing the allocation failed; it will expire by itself, but check the server\'s Refresh handling.' },
  RELAY_UNREACHABLE: { status: 'fail', advice: 'Peers that are not relayed by this same server cannot reach the relay: open the relay port range (coturn min-port..max-port, default 49152-65535) for UDP from anywhere in the server\'s firewall or cloud security group, not only 3478/443.' },
  RELAY_ONE_WAY: { status: 'fail', advice: 'The relay receives but its datagrams do not reach peers: check the server\'s egress firewall for UDP from the relay port range.' },
  RELAY_ADDRESS_NOT_SERVER: { status: 'fail', advice: 'The server advertises a relayed address no peer can reach: behind a 1:1 NAT set coturn external-ip to the public address (external-ip=PUBLIC/PRIVATE), and make relay-ip an address of this machine.' },
  RELAY_ADDRESS_UNVERIFIED: { status: 'warn', advice: 'The relayed address is not the address the URL names; if it is this server\'s other public address, nothing to fix; otherwise correct coturn external-ip.' },
  RELAY_PERMISSION_FAILED: { status: 'fail', advice: 'The server refused CreatePermission for this client\'s own address: check denied-peer-ip/allowed-peer-ip rules (coturn) for the addresses your users have.' },
  RELAY_NOT_TESTED: { status: 'skip', advice: 'Fix the allocation first (see the turn-allocate check).' },
  TLS_HANDSHAKE_FAILED: { status: 'fail', advice: 'TCP connects but TLS does not: check that this port is the TLS listener and that it offers TLS 1.2 or 1.3 with a certificate.' },
  PORT_SPEAKS_TLS: { status: 'fail', advice: 'This port is a TLS listener: write the URL as turns:host:port?transport=tcp, or point turn:?transport=tcp at the server\'s plain TCP listener (coturn --listening-port).' },
  TLS_CERT_SELF_SIGNED: { status: 'fail', advice: 'Browsers reject this self-signed certificate: use a certificate from a public CA (e.g. Let\'s Encrypt) for this host name.' },
  TLS_CERT_EXPIRED: { status: 'fail', advice: 'The certificate has expired: renew it and reload the TURN server.' },
  TLS_CERT_NOT_YET_VALID: { status: 'fail', advice: 'The certificate is not valid yet: check the clock of the server that issued it and of this machine.' },
  TLS_CERT_HOSTNAME_MISMATCH: { status: 'fail', advice: 'The certificate does not name this host: use the host name the certificate was issued for in the URL, or issue one that lists it.' },
  TLS_CERT_INCOMPLETE_CHAIN: { status: 'fail', advice: 'The server sends no intermediate certificate: configure the full chain file (coturn --cert with fullchain.pem).' },
  TLS_CERT_UNTRUSTED: { status: 'fail', advice: 'The certificate chains to a CA browsers do not trust: use a certificate from a public CA.' },
  SKIPPED_DNS: { status: 'skip', advice: 'Fix DNS for this host first (see the dns check).' },
  SKIPPED_NO_IPV6_ROUTE: { status: 'skip', advice: 'Nothing to fix on the server from here: run iceprobe from a network with IPv6 to check the AAAA address too.' },
  NAT_ADDRESS_DEPENDENT_MAPPING: { status: 'warn', advice: 'This network\'s NAT is symmetric: peers here need a TURN relay to reach peers behind other symmetric or port-restricted NATs; keep TURN (with TCP/TLS on 443) configured, or switch the NAT to endpoint-independent mapping.' },
  NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING: { status: 'warn', advice: 'This network\'s NAT is symmetric (a new port per destination, e.g. iptables MASQUERADE --random-fully): peers here need a TURN relay to reach peers behind other symmetric or port-restricted NATs; keep TURN configured, or switch the NAT to endpoint-independent mapping.' },
  NAT_UNSUPPORTED_SERVER: { status: 'skip', advice: 'This server cannot tell the NAT type (no RFC 5780): point the NAT probe at a server with two public IP addresses and RFC 5780 enabled (coturn with two --listening-ip and no --no-rfc5780).' },
  NAT_INCOMPLETE: { status: 'warn', advice: 'The server\'s second address (OTHER-ADDRESS) did not answer: check that the server\'s alternate IP and port are reachable through the firewall, then run again.' },
  PACKET_LOSS: { status: 'warn', advice: 'The path to this server loses packets: look for a congested or lossy link (Wi-Fi, VPN, a shaping firewall) between this machine and the server; media over this path will stutter.' },
  RELAY_CALL_FAILED: { status: 'fail', advice: null },
  ONE_SIDED_CALL_FAILED: { status: 'fail', advice: null },
  CALL_FAILED: { status: 'fail', advice: null },
  SLOW_SETUP: { status: 'warn', advice: null },
  LOW_THROUGHPUT: { status: 'warn', advice: null },
  MEDIA_OK: { status: 'pass', advice: null },
  MEDIA_NOT_REQUESTED: { status: 'skip', advice: null },
  MEDIA_NOT_SECURE_CONTEXT: { status: 'skip', advice: null },
  MEDIA_UNSUPPORTED: { status: 'skip', advice: null },
  MEDIA_PERMISSION_DENIED: { status: 'fail', advice: null },
  MEDIA_NO_ANSWER: { status: 'warn', advice: null },
  NO_CAMERA: { status: 'fail', advice: null },
  NO_MICROPHONE: { status: 'fail', advice: null },
  NO_MEDIA_DEVICES: { status: 'fail', advice: null },
  MEDIA_DEVICE_BUSY: { status: 'fail', advice: null },
  MEDIA_OVERCONSTRAINED: { status: 'fail', advice: null },
  MEDIA_ERROR: { status: 'fail', advice: null },
  EXPECTATION_FAILED: { status: 'fail', advice: null },
  EXPECTATION_UNMEASURED: { status: 'fail', advice: null },
  BROWSER_UNAVAILABLE: { status: 'fail', advice: null },
  INTERRUPTED: { status: 'skip', advice: null },
  INTERNAL_ERROR: { status: 'fail', advice: null },
  SKIPPED: { status: 'skip', advice: null },
};

function entry(code: string): CodeEntry | undefined {
  return (CATALOG as Record<string, CodeEntry | undefined>)[code];
}

/** The catalog's status for a code; a code outside the catalog is a failure. */
export function statusOf(code: string): Status {
  return entry(code)?.status ?? 'fail';
}

/** Generic advice for a code the catalog has none for (never another code's text). */
export const NO_ADVICE = 'See the check\'s message and details.';

/** The catalog's advice for a code. */
export function advice(code: string): string {
  return entry(code)?.advice ?? NO_ADVICE;
}

/** RFC 8656 / RFC 8489 error code → stable code. */
export function turnErrorCode(stunError: number): CheckCode {
  switch (stunError) {
    case 300:
      return CheckCode.TURN_TRY_ALTERNATE;
    case 400:
      return CheckCode.TURN_BAD_REQUEST;
    case 401:
      return CheckCode.TURN_AUTH_FAILED;
    case 403:
      return CheckCode.TURN_FORBIDDEN;
    case 420:
      return CheckCode.TURN_UNKNOWN_ATTRIBUTE;
    case 437:
      return CheckCode.TURN_ALLOCATION_MISMATCH;
    case 438:
      return CheckCode.TURN_STALE_NONCE;
    case 440:
      return CheckCode.TURN_ADDRESS_FAMILY_NOT_SUPPORTED;
    case 441:
      return CheckCode.TURN_WRONG_CREDENTIALS;
    case 442:
      return CheckCode.TURN_UNSUPPORTED_TRANSPORT;
    case 486:
      return CheckCode.TURN_QUOTA;
    case 508:
      return CheckCode.TURN_CAPACITY;
    default:
      return CheckCode.TURN_ERROR;
  }
}
