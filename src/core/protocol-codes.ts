/**
 * Stable outcome codes of the Node-side protocol probes (kinds dns, stun-binding,
 * turn-allocate, tls-handshake, config), one line each, and one concrete sentence of advice per
 * code. Codes shared with the browser checks reuse the string of src/core/codes.ts. Tests assert on
 * codes; never rename or reuse one.
 */
import { CheckCode } from './codes.js';
import type { Status } from './schema.js';

export const ProtocolCode = {
  OK: CheckCode.OK,
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
  TURN_AUTH_FAILED: CheckCode.TURN_AUTH_FAILED, // 401 (or 400, pion/turn) to the authenticated retry after a valid challenge: wrong username/password (or realm)
  TURN_REALM_MISMATCH: 'TURN_REALM_MISMATCH', // the server's REALM differs from the expected one (or changed mid-flow)
  TURN_CREDENTIAL_EXPIRED: 'TURN_CREDENTIAL_EXPIRED', // 401 and the TURN REST username's expiry time is in the past
  TURN_WRONG_CREDENTIALS: 'TURN_WRONG_CREDENTIALS', // 441
  TURN_STALE_NONCE: 'TURN_STALE_NONCE', // 438 again and again: the server never accepts its own nonce
  TURN_NO_AUTH_CHALLENGE: 'TURN_NO_AUTH_CHALLENGE', // 401 without REALM/NONCE: cannot authenticate
  TURN_FORBIDDEN: CheckCode.TURN_FORBIDDEN, // 403
  TURN_ALLOCATION_MISMATCH: 'TURN_ALLOCATION_MISMATCH', // 437
  TURN_QUOTA: CheckCode.TURN_QUOTA, // 486
  TURN_CAPACITY: CheckCode.TURN_CAPACITY, // 508
  TURN_UNKNOWN_ATTRIBUTE: 'TURN_UNKNOWN_ATTRIBUTE', // 420
  TURN_UNSUPPORTED_TRANSPORT: 'TURN_UNSUPPORTED_TRANSPORT', // 442
  TURN_ADDRESS_FAMILY_NOT_SUPPORTED: 'TURN_ADDRESS_FAMILY_NOT_SUPPORTED', // 440
  TURN_TRY_ALTERNATE: 'TURN_TRY_ALTERNATE', // 300
  TURN_BAD_REQUEST: 'TURN_BAD_REQUEST', // 400
  TURN_ERROR: CheckCode.TURN_ERROR, // any other error code (e.g. 500)
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
  TLS_HANDSHAKE_FAILED: 'TLS_HANDSHAKE_FAILED', // TCP connected but no TLS session (protocol/cipher mismatch, not TLS, reset, or no answer to the ClientHello); details.tcpConnectMs, details.portSpeaks
  PORT_SPEAKS_TLS: 'PORT_SPEAKS_TLS', // turn:?transport=tcp: TCP connects, no plain STUN answer, but the port completes a TLS handshake: it is a turns: port
  TLS_CERT_SELF_SIGNED: 'TLS_CERT_SELF_SIGNED', // the server certificate is self-signed
  TLS_CERT_EXPIRED: 'TLS_CERT_EXPIRED', // a certificate in the chain is past its notAfter
  TLS_CERT_NOT_YET_VALID: 'TLS_CERT_NOT_YET_VALID', // a certificate in the chain is before its notBefore
  TLS_CERT_HOSTNAME_MISMATCH: 'TLS_CERT_HOSTNAME_MISMATCH', // the certificate names neither the host nor its IP
  TLS_CERT_INCOMPLETE_CHAIN: 'TLS_CERT_INCOMPLETE_CHAIN', // the server does not send the intermediate certificate(s)
  TLS_CERT_UNTRUSTED: 'TLS_CERT_UNTRUSTED', // the chain ends in a CA that is not in the trust store
  // ---- config (kind: config), strings shared with src/core/codes.ts
  PORT_BLOCKED_BY_BROWSER: CheckCode.PORT_BLOCKED_BY_BROWSER, // Chromium refuses TURN on ports other than 53, 80, 443 and >= 1024
  TURNS_NOT_ON_443: CheckCode.TURNS_NOT_ON_443, // turns: on a port other than 443 (warn)
  NO_TCP_TLS_RELAY: CheckCode.NO_TCP_TLS_RELAY, // TURN configured, but only over UDP (warn)
  NO_TURN_CONFIGURED: CheckCode.NO_TURN_CONFIGURED, // no turn:/turns: URL at all (warn)
  SKIPPED_DNS: 'SKIPPED_DNS', // not probed because the host name did not resolve (skip)
  SKIPPED_NO_IPV6_ROUTE: 'SKIPPED_NO_IPV6_ROUTE', // a dual-stack host's IPv6 address not probed: this machine has no IPv6 route to it (skip)
  // ---- NAT behaviour discovery (kind: nat, RFC 5780); OK = endpoint-independent mapping
  NAT_ADDRESS_DEPENDENT_MAPPING: 'NAT_ADDRESS_DEPENDENT_MAPPING', // a new public mapping per destination IP: symmetric NAT (warn)
  NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING', // a new public mapping per destination IP and port: symmetric NAT (warn)
  NAT_UNSUPPORTED_SERVER: 'NAT_UNSUPPORTED_SERVER', // the server does not do RFC 5780 (no OTHER-ADDRESS, 420 to CHANGE-REQUEST, or ignores it) (skip)
  NAT_INCOMPLETE: 'NAT_INCOMPLETE', // the server does RFC 5780 but its other address never answered: mapping unknown (warn)
} as const;
export type ProtocolCode = (typeof ProtocolCode)[keyof typeof ProtocolCode];

const ADVICE: Record<ProtocolCode, string> = {
  OK: 'Nothing to do.',
  DNS_NOT_FOUND: 'Create an A (and AAAA if you serve IPv6) record for this name, or fix the spelling of the host in the URL.',
  DNS_ERROR: 'The resolver failed or timed out; check this machine\'s DNS settings and that the zone\'s name servers answer.',
  TIMEOUT: 'Nothing answered in time: check that the server runs and listens on this address and port, and that no firewall drops this transport (UDP is often blocked; offer TURN over TCP/TLS on 443).',
  CONNECTION_REFUSED: 'Nothing listens on this address and port for this transport: start the server or fix the port in the URL.',
  CONNECTION_RESET: 'The connection was reset: look for a firewall or proxy that kills this traffic, or a server that rejects the client.',
  CONNECTION_CLOSED: 'The server closed the connection without answering: make sure this port is the TURN/STUN listener and not another service.',
  NETWORK_UNREACHABLE: 'This machine has no route to the server\'s address: check the address family (IPv4/IPv6) and routing.',
  SOCKET_ERROR: 'A local socket error stopped the probe: check this machine\'s network configuration.',
  NOT_STUN: 'Something answers on this port, but not STUN/TURN: point the URL at the TURN server\'s listener (for turns:, the TLS listener must speak TURN, not HTTPS).',
  NO_MAGIC_COOKIE: 'The answer lacks the RFC 5389 magic cookie: replace this RFC 3489-era server with a current STUN/TURN server (browsers need RFC 5389).',
  MALFORMED_RESPONSE: 'The server sent a broken STUN message: upgrade or fix the server software, or look for a middlebox that rewrites the traffic.',
  TRANSACTION_MISMATCH: 'The answer belongs to a request this client never sent: look for a NAT/proxy that mixes up flows or a server that echoes stale responses.',
  ABORTED: 'The run was interrupted; run it again to get a result.',
  STUN_ERROR_RESPONSE: 'The server refused a plain Binding request: make sure STUN is enabled on this listener.',
  STUN_NO_MAPPED_ADDRESS: 'The server\'s Binding response has no XOR-MAPPED-ADDRESS, so browsers get no srflx candidate: upgrade the server.',
  TURN_NO_CREDENTIALS: 'Give a username and credential (or a TURN REST secret) for this turn: URL to probe the allocation.',
  TURN_AUTH_FAILED: 'The server rejected the username/credential on the authenticated request (details.authRejection has its code: 401, or 400 from pion/turn): check both, that they were made for the server\'s realm, and for TURN REST that the shared secret matches.',
  TURN_REALM_MISMATCH: 'The server\'s realm is not the expected one: make the credentials and the server agree on the realm (coturn --realm).',
  TURN_CREDENTIAL_EXPIRED: 'The TURN REST username has expired: mint credentials with a future expiry (and check the clocks of the minting service and the TURN server).',
  TURN_WRONG_CREDENTIALS: 'The server says these credentials do not match the allocation (441): use the same username for every request of a session.',
  TURN_STALE_NONCE: 'The server keeps rejecting its own nonce (438): check the server\'s clock and nonce lifetime settings.',
  TURN_NO_AUTH_CHALLENGE: 'The server\'s 401 carries no REALM/NONCE, so no client can authenticate: fix the server\'s long-term credential configuration.',
  TURN_FORBIDDEN: 'The server forbids this allocation (403): check the server\'s allowed/denied peer and client address rules and the user\'s permissions.',
  TURN_ALLOCATION_MISMATCH: 'The server thinks an allocation already exists for this client address (437): wait for it to expire or look for a NAT reusing ports.',
  TURN_QUOTA: 'The user has reached the server\'s allocation quota (486): raise user-quota/total-quota or use separate usernames per client.',
  TURN_CAPACITY: 'The server is out of relay capacity (508): add relay ports or servers, or raise the server\'s limits.',
  TURN_UNKNOWN_ATTRIBUTE: 'The server does not understand an attribute browsers send (420): upgrade the TURN server to an RFC 5766/8656 implementation.',
  TURN_UNSUPPORTED_TRANSPORT: 'The server does not relay this transport (442): enable UDP relaying on the server.',
  TURN_ADDRESS_FAMILY_NOT_SUPPORTED: 'The server cannot relay this address family (440): configure a relay address of that family on the server.',
  TURN_TRY_ALTERNATE: 'The server redirects to another server (300): put the alternate server in the configuration directly; browsers do not follow ALTERNATE-SERVER.',
  TURN_BAD_REQUEST: 'The server rejected the request as malformed (400): check for a middlebox that rewrites STUN, or a server that is not RFC-compliant.',
  TURN_ERROR: 'The server answered with an unexpected error code: see the code and reason in the details and the server\'s log.',
  TURN_INTEGRITY_INVALID: 'The server\'s MESSAGE-INTEGRITY does not validate with the expected key: check the realm and password handling on the server.',
  TURN_NO_RELAYED_ADDRESS: 'The allocation succeeded without a relayed address: fix the server\'s relay-ip configuration.',
  TURN_REFRESH_FAILED: 'Freeing the allocation failed; it will expire by itself, but check the server\'s Refresh handling.',
  RELAY_UNREACHABLE: 'Peers that are not relayed by this same server cannot reach the relay: open the relay port range (coturn min-port..max-port, default 49152-65535) for UDP from anywhere in the server\'s firewall or cloud security group, not only 3478/443.',
  RELAY_ONE_WAY: 'The relay receives but its datagrams do not reach peers: check the server\'s egress firewall for UDP from the relay port range.',
  RELAY_ADDRESS_NOT_SERVER: 'The server advertises a relayed address no peer can reach: behind a 1:1 NAT set coturn external-ip to the public address (external-ip=PUBLIC/PRIVATE), and make relay-ip an address of this machine.',
  RELAY_ADDRESS_UNVERIFIED: 'The relayed address is not the address the URL names; if it is this server\'s other public address, nothing to fix; otherwise correct coturn external-ip.',
  RELAY_PERMISSION_FAILED: 'The server refused CreatePermission for this client\'s own address: check denied-peer-ip/allowed-peer-ip rules (coturn) for the addresses your users have.',
  RELAY_NOT_TESTED: 'Fix the allocation first (see the turn-allocate check).',
  TLS_HANDSHAKE_FAILED: 'TCP connects but TLS does not: check that this port is the TLS listener and that it offers TLS 1.2 or 1.3 with a certificate.',
  PORT_SPEAKS_TLS: 'This port is a TLS listener: write the URL as turns:host:port?transport=tcp, or point turn:?transport=tcp at the server\'s plain TCP listener (coturn --listening-port).',
  TLS_CERT_SELF_SIGNED: 'Browsers reject this self-signed certificate: use a certificate from a public CA (e.g. Let\'s Encrypt) for this host name.',
  TLS_CERT_EXPIRED: 'The certificate has expired: renew it and reload the TURN server.',
  TLS_CERT_NOT_YET_VALID: 'The certificate is not valid yet: check the clock of the server that issued it and of this machine.',
  TLS_CERT_HOSTNAME_MISMATCH: 'The certificate does not name this host: use the host name the certificate was issued for in the URL, or issue one that lists it.',
  TLS_CERT_INCOMPLETE_CHAIN: 'The server sends no intermediate certificate: configure the full chain file (coturn --cert with fullchain.pem).',
  TLS_CERT_UNTRUSTED: 'The certificate chains to a CA browsers do not trust: use a certificate from a public CA.',
  PORT_BLOCKED_BY_BROWSER: 'Chromium ignores TURN on this port: move the server to 53, 80, 443 or a port >= 1024.',
  TURNS_NOT_ON_443: 'Clients behind firewalls that only open 443 cannot reach this turns: URL: also listen for TURN over TLS on 443.',
  NO_TCP_TLS_RELAY: 'Clients on networks that block UDP get no relay: add a turn: URL with ?transport=tcp and a turns: URL on 443.',
  NO_TURN_CONFIGURED: 'Without a TURN server, clients behind symmetric NATs or UDP-blocking firewalls cannot connect: add turn:/turns: URLs.',
  SKIPPED_DNS: 'Fix DNS for this host first (see the dns check).',
  SKIPPED_NO_IPV6_ROUTE: 'Nothing to fix on the server from here: run iceprobe from a network with IPv6 to check the AAAA address too.',
  NAT_ADDRESS_DEPENDENT_MAPPING: 'This network\'s NAT is symmetric: peers here need a TURN relay to reach peers behind other symmetric or port-restricted NATs; keep TURN (with TCP/TLS on 443) configured, or switch the NAT to endpoint-independent mapping.',
  NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING: 'This network\'s NAT is symmetric (a new port per destination, e.g. iptables MASQUERADE --random-fully): peers here need a TURN relay to reach peers behind other symmetric or port-restricted NATs; keep TURN configured, or switch the NAT to endpoint-independent mapping.',
  NAT_UNSUPPORTED_SERVER: 'This server cannot tell the NAT type (no RFC 5780): point the NAT probe at a server with two public IP addresses and RFC 5780 enabled (coturn with two --listening-ip and no --no-rfc5780).',
  NAT_INCOMPLETE: 'The server\'s second address (OTHER-ADDRESS) did not answer: check that the server\'s alternate IP and port are reachable through the firewall, then run again.',
};

export function advice(code: string): string {
  return (ADVICE as Record<string, string>)[code] ?? ADVICE.TURN_ERROR;
}

/** Codes that mean "works, but with a caveat". */
const WARN = new Set<string>([
  ProtocolCode.NAT_ADDRESS_DEPENDENT_MAPPING,
  ProtocolCode.NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING,
  ProtocolCode.NAT_INCOMPLETE,
  ProtocolCode.TURN_REFRESH_FAILED,
  ProtocolCode.TURNS_NOT_ON_443,
  ProtocolCode.NO_TCP_TLS_RELAY,
  ProtocolCode.NO_TURN_CONFIGURED,
  ProtocolCode.RELAY_ADDRESS_UNVERIFIED,
]);
const SKIP = new Set<string>([ProtocolCode.TURN_NO_CREDENTIALS, ProtocolCode.SKIPPED_DNS, ProtocolCode.SKIPPED_NO_IPV6_ROUTE, ProtocolCode.NAT_UNSUPPORTED_SERVER, ProtocolCode.RELAY_NOT_TESTED]);

export function statusOf(code: string): Status {
  if (code === ProtocolCode.OK) return 'pass';
  if (WARN.has(code)) return 'warn';
  if (SKIP.has(code)) return 'skip';
  return 'fail';
}

/** RFC 8656 / RFC 8489 error code → stable code. */
export function turnErrorCode(stunError: number): ProtocolCode {
  switch (stunError) {
    case 300:
      return ProtocolCode.TURN_TRY_ALTERNATE;
    case 400:
      return ProtocolCode.TURN_BAD_REQUEST;
    case 401:
      return ProtocolCode.TURN_AUTH_FAILED;
    case 403:
      return ProtocolCode.TURN_FORBIDDEN;
    case 420:
      return ProtocolCode.TURN_UNKNOWN_ATTRIBUTE;
    case 437:
      return ProtocolCode.TURN_ALLOCATION_MISMATCH;
    case 438:
      return ProtocolCode.TURN_STALE_NONCE;
    case 440:
      return ProtocolCode.TURN_ADDRESS_FAMILY_NOT_SUPPORTED;
    case 441:
      return ProtocolCode.TURN_WRONG_CREDENTIALS;
    case 442:
      return ProtocolCode.TURN_UNSUPPORTED_TRANSPORT;
    case 486:
      return ProtocolCode.TURN_QUOTA;
    case 508:
      return ProtocolCode.TURN_CAPACITY;
    default:
      return ProtocolCode.TURN_ERROR;
  }
}
