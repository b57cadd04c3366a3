/**
 * The TURN Allocate flow as a state machine over an injected `transact` (RFC 8656 §7, long-term
 * credentials RFC 8489 §9.2):
 *
 *   Allocate (no auth) ──401 + REALM/NONCE──▶ Allocate (USERNAME, REALM, NONCE, MI)
 *        │ success (no-auth server)               │ 438 → new NONCE, retry (bounded)
 *        ▼                                        │ error → code
 *   Refresh(LIFETIME 0) ◀──── success ────────────┘
 *        │ 438 → new NONCE, retry once
 *
 * Reading the answer to the authenticated retry: it is the challenged request plus USERNAME,
 * REALM, NONCE and MESSAGE-INTEGRITY and nothing else, so after a valid 401 challenge any
 * refusal of it that is about the request itself — 401 (RFC 8489 §9.2.4: coturn) or 400
 * (pion/turn v2 answers "integrity check failed" and unknown users with 400) — rejects the
 * credentials. It is TURN_AUTH_FAILED, with the server's own code kept in `authRejection`,
 * never TURN_BAD_REQUEST ("the request is malformed") for a request the server already parsed.
 *
 * Pure apart from `transact`: unit tests script the server's answers.
 */
import { longTermKey } from '../core/credentials.js';
import { AttributeType } from '../stun/attribute-types.js';
import { lifetime as lifetimeAttr, nonce as nonceAttr, readAddress, readErrorCode, readLifetime, readText, readUnknownAttributes, realm as realmAttr, requestedTransport, software as softwareAttr, username as usernameAttr, valueOf } from '../stun/attributes.js';
import { formatTransportAddress } from '../stun/address.js';
import { Method } from '../stun/header.js';
import { encodeMessage, verifyIntegrity, type AttributeSpec, type IntegrityStatus, type StunMessage } from '../stun/message.js';
import { saslprep } from '../stun/saslprep.js';
import type { TransactionResult } from '../net/transaction.js';
import { ProtocolCode, turnErrorCode } from '../core/codes.js';

export type Transact = (request: Buffer) => Promise<TransactionResult>;

/**
 * Error codes that, as the answer to the authenticated retry after a valid 401 challenge, mean
 * "these credentials are refused": 401 Unauthorized (RFC 8489 §9.2.4) and 400 Bad Request (the
 * retry differs from the accepted-for-parsing first request only by the auth attributes; pion/turn).
 */
export const AUTH_REJECTION_CODES: ReadonlySet<number> = new Set([400, 401]);

export interface AllocateFlowOptions {
  username: string;
  password: string;
  software?: string;
  /** If set, a different server REALM is TURN_REALM_MISMATCH. */
  expectedRealm?: string;
  /** 438 retries allowed on Allocate (RFC 8656 suggests retrying once; default 2). */
  maxStaleNonceRetries?: number;
  /** Free the allocation with Refresh(LIFETIME 0). Default true. */
  release?: boolean;
  /** Unix ms, for TURN REST expiry checks. */
  nowMs?: number;
}

export interface FlowStep {
  step: 'allocate' | 'allocate-auth' | 'refresh';
  rttMs: number | null;
  sends: number;
  /** 'success', 'error 401', or a transport failure code. */
  outcome: string;
}

export interface AllocateFlowResult {
  code: ProtocolCode | string;
  message: string;
  steps: FlowStep[];
  realm: string | null;
  relayedAddress: string | null;
  mappedAddress: string | null;
  lifetimeS: number | null;
  software: string | null;
  integrity: IntegrityStatus | null;
  fingerprint: StunMessage['fingerprint'] | null;
  errorCode: { code: number; reason: string } | null;
  unknownAttributes: string[] | null;
  alternateServer: string | null;
  released: boolean | null;
  /** Transport evidence of the failing transaction, if any. */
  transport: { code: string; detail: string; invalid?: unknown } | null;
  /** The TURN REST expiry in the username, if it has one (unix seconds). */
  restExpiry: number | null;
  /**
   * With release === false and a granted allocation: signs further requests on it (RFC 8656
   * §9 CreatePermission, §7 Refresh) with the flow's credentials. Functions only: the key never
   * lands in a serialised result.
   */
  session: TurnSession | null;
  /**
   * Set when the authenticated retry was refused as a credential rejection (AUTH_REJECTION_CODES):
   * the server's own code and reason, so a 400 read as TURN_AUTH_FAILED stays visible as a 400.
   */
  authRejection: { step: 'allocate-auth'; serverCode: number; reason: string } | null;
}

export interface TurnSession {
  /** A request with USERNAME/REALM/NONCE, MESSAGE-INTEGRITY (when authenticated) and FINGERPRINT. */
  request(method: number, attributes: readonly AttributeSpec[], transactionId?: Uint8Array): Buffer;
  /** Takes the new NONCE of a 438 answer (RFC 8489 §9.2.5); false when it carries none. */
  renewNonce(answer: StunMessage): boolean;
}

/** TURN REST usernames are "<expiry unix seconds>:<user>" (draft-uberti-behave-turn-rest-00 §2.2). */
export function restExpiryOf(username: string): number | null {
  const m = /^(\d{9,11})(?::|$)/.exec(username);
  return m ? Number(m[1]) : null;
}

export async function allocateFlow(transact: Transact, o: AllocateFlowOptions): Promise<AllocateFlowResult> {
  const steps: FlowStep[] = [];
  const out: AllocateFlowResult = {
    code: ProtocolCode.OK,
    message: '',
    steps,
    realm: null,
    relayedAddress: null,
    mappedAddress: null,
    lifetimeS: null,
    software: null,
    integrity: null,
    fingerprint: null,
    errorCode: null,
    unknownAttributes: null,
    alternateServer: null,
    released: null,
    transport: null,
    restExpiry: restExpiryOf(o.username),
    session: null,
    authRejection: null,
  };
  const finish = (code: string, message: string) => Object.assign(out, { code, message });
  const base = (): AttributeSpec[] => [requestedTransport(), ...(o.software ? [softwareAttr(o.software)] : [])];

  const run = async (step: FlowStep['step'], request: Buffer): Promise<StunMessage | null> => {
    const r = await transact(request);
    if (!r.ok) {
      steps.push({ step, rttMs: null, sends: r.sends, outcome: r.code });
      out.transport = { code: r.code, detail: r.detail, ...(r.evidence.invalid ? { invalid: r.evidence.invalid } : {}) };
      return null;
    }
    const err = valueOf(readErrorCode(r.response));
    steps.push({ step, rttMs: r.rttMs, sends: r.sends, outcome: r.response.cls === 'success' ? 'success' : `error ${err?.code ?? '?'}` });
    out.software ??= valueOf(readText(r.response, AttributeType.SOFTWARE)) ?? null;
    out.fingerprint = r.response.fingerprint;
    return r.response;
  };

  const errorOutcome = (m: StunMessage, where: string): AllocateFlowResult => {
    const ec = readErrorCode(m);
    if (!ec || !ec.ok) return finish(ProtocolCode.MALFORMED_RESPONSE, `${where}: error response without a valid ERROR-CODE`);
    out.errorCode = ec.value;
    const code = turnErrorCode(ec.value.code);
    if (code === ProtocolCode.TURN_UNKNOWN_ATTRIBUTE) {
      out.unknownAttributes = (valueOf(readUnknownAttributes(m)) ?? []).map((t) => `0x${t.toString(16).padStart(4, '0')}`);
    }
    if (code === ProtocolCode.TURN_TRY_ALTERNATE) {
      const alt = valueOf(readAddress(m, AttributeType.ALTERNATE_SERVER));
      out.alternateServer = alt ? formatTransportAddress(alt) : null;
    }
    return finish(code, `${where}: the server answered ${ec.value.code} ${ec.value.reason}`.trim());
  };

  // ---- step 1: unauthenticated Allocate, expecting the 401 challenge (RFC 8489 §9.2.3)
  const first = await run('allocate', encodeMessage({ method: Method.Allocate, cls: 'request', attributes: base() }, { fingerprint: true }));
  if (!first) return finish(out.transport!.code, `Allocate: ${out.transport!.detail}`);

  let key: Buffer | null = null;
  let realm: string | null = null;
  let nonce: string | null = null;
  let granted: StunMessage;

  const prepped = (s: string) => saslprep(s) ?? s.normalize('NFKC');
  const takeChallenge = (m: StunMessage): boolean => {
    const r = valueOf(readText(m, AttributeType.REALM));
    const n = valueOf(readText(m, AttributeType.NONCE));
    if (r === undefined || n === undefined) return false;
    realm = r;
    nonce = n;
    out.realm = r;
    key = longTermKey(prepped(o.username), prepped(r), prepped(o.password));
    return true;
  };
  const authAttrs = (): AttributeSpec[] => [usernameAttr(o.username), realmAttr(realm!), nonceAttr(nonce!)];

  if (first.cls === 'success') {
    granted = first; // a server without authentication
  } else {
    const ec = valueOf(readErrorCode(first));
    if (ec?.code !== 401 && ec?.code !== 438) return errorOutcome(first, 'Allocate');
    if (!takeChallenge(first)) {
      out.errorCode = ec;
      return finish(ProtocolCode.TURN_NO_AUTH_CHALLENGE, 'Allocate: the 401 carries no REALM/NONCE');
    }
    // A realm other than expectedRealm is judged after trying: whether the credentials still work matters.

    // ---- step 2: authenticated Allocate, with bounded 438 retries (RFC 8489 §9.2.5)
    const maxRetries = o.maxStaleNonceRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const firstRealm: string = realm!;
      const m = await run('allocate-auth', encodeMessage({ method: Method.Allocate, cls: 'request', attributes: [...base(), ...authAttrs()] }, { integrityKey: key!, fingerprint: true }));
      if (!m) return finish(out.transport!.code, `authenticated Allocate: ${out.transport!.detail}`);
      if (m.cls === 'success') {
        granted = m;
        break;
      }
      const code = valueOf(readErrorCode(m))?.code;
      if (code === 438 && attempt < maxRetries && takeChallenge(m)) {
        if (realm !== firstRealm) {
          out.errorCode = valueOf(readErrorCode(m)) ?? null;
          return finish(ProtocolCode.TURN_REALM_MISMATCH, `the server changed its realm from "${firstRealm}" to "${realm}" between challenges`);
        }
        continue;
      }
      const res = errorOutcome(m, 'authenticated Allocate');
      if (code !== undefined && AUTH_REJECTION_CODES.has(code) && out.errorCode) {
        out.authRejection = { step: 'allocate-auth', serverCode: code, reason: out.errorCode.reason };
        const said = `${code}${out.errorCode.reason ? ` ${out.errorCode.reason}` : ''}`;
        const exp = out.restExpiry;
        if (o.expectedRealm !== undefined && realm !== o.expectedRealm) {
          return finish(ProtocolCode.TURN_REALM_MISMATCH, `${said} from realm "${realm}", but the credentials are for realm "${o.expectedRealm}"`);
        }
        if (exp !== null && o.nowMs !== undefined && exp * 1000 < o.nowMs) {
          return finish(ProtocolCode.TURN_CREDENTIAL_EXPIRED, `${said}: the TURN REST username expired at ${new Date(exp * 1000).toISOString()}`);
        }
        return finish(
          ProtocolCode.TURN_AUTH_FAILED,
          code === 401
            ? `401 Unauthorized after authenticating for realm "${realm}": wrong username or credential`
            : `the server answered ${said} to the authenticated Allocate, which differs from the challenged one only by USERNAME, REALM, NONCE and MESSAGE-INTEGRITY: it rejects the username or credential for realm "${realm}"`,
        );
      }
      return res;
    }
  }

  // ---- success: read and verify
  out.integrity = key ? verifyIntegrity(granted, key) : verifyIntegrity(granted, Buffer.alloc(0));
  if (key && out.integrity === 'invalid') return finish(ProtocolCode.TURN_INTEGRITY_INVALID, 'the Allocate success response\'s MESSAGE-INTEGRITY does not validate');
  const relayed = valueOf(readAddress(granted, AttributeType.XOR_RELAYED_ADDRESS));
  const mapped = valueOf(readAddress(granted, AttributeType.XOR_MAPPED_ADDRESS));
  out.relayedAddress = relayed ? formatTransportAddress(relayed) : null;
  out.mappedAddress = mapped ? formatTransportAddress(mapped) : null;
  out.lifetimeS = valueOf(readLifetime(granted)) ?? null;
  if (!relayed) return finish(ProtocolCode.TURN_NO_RELAYED_ADDRESS, 'Allocate succeeded without XOR-RELAYED-ADDRESS');
  if (o.expectedRealm !== undefined && realm !== null && realm !== o.expectedRealm) {
    return finish(ProtocolCode.TURN_REALM_MISMATCH, `allocated, but in realm "${realm}" instead of "${o.expectedRealm}"`);
  }
  finish(ProtocolCode.OK, `relayed address ${out.relayedAddress}, lifetime ${out.lifetimeS ?? '?'} s`);

  // ---- step 3: Refresh(LIFETIME 0) frees the allocation (RFC 8656 §7.2)
  if (o.release === false) {
    out.session = {
      request: (method, attributes, transactionId) =>
        encodeMessage(
          { method, cls: 'request', ...(transactionId ? { transactionId } : {}), attributes: [...attributes, ...(key ? authAttrs() : [])] },
          key ? { integrityKey: key, fingerprint: true } : { fingerprint: true },
        ),
      renewNonce: (answer) => {
        const n = valueOf(readText(answer, AttributeType.NONCE));
        if (n === undefined) return false;
        nonce = n;
        return true;
      },
    };
    return out;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const attrs = [lifetimeAttr(0), ...(key ? authAttrs() : [])];
    const m = await run('refresh', encodeMessage({ method: Method.Refresh, cls: 'request', attributes: attrs }, key ? { integrityKey: key, fingerprint: true } : { fingerprint: true }));
    if (m && m.cls === 'success') {
      out.released = true;
      return out;
    }
    if (m && valueOf(readErrorCode(m))?.code === 438 && attempt === 0 && takeChallenge(m)) continue;
    break;
  }
  out.released = false;
  return finish(ProtocolCode.TURN_REFRESH_FAILED, `${out.message}; but Refresh(lifetime 0) failed (${steps.at(-1)?.outcome ?? '?'})`);
}
