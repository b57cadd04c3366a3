/**
 * What the TURN server answered when it did answer, other than a credential problem:
 * TURN_FORBIDDEN (403), TURN_QUOTA (486), TURN_CAPACITY (508), TURN_SERVER_ERROR (another error
 * code or a protocol violation), BAD_SERVER_RESPONSE (not STUN at all), TURN_REFRESH_FAILED.
 * The browser's view of the same code on the same URL joins the Node finding.
 */
import { CheckCode, advice, ProtocolCode } from '../../core/codes.js';
import type { Check, Finding, Severity } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, type Rule } from '../evidence.js';

interface Kind {
  code: FindingCode;
  severity: Severity;
  /** Check codes (Node or browser) that are this finding. */
  from: readonly string[];
  message: (urls: string) => string;
  advice: (checkCode: string) => string;
}

const KINDS: readonly Kind[] = [
  {
    code: FindingCode.TURN_FORBIDDEN,
    severity: 'error',
    from: [ProtocolCode.TURN_FORBIDDEN],
    message: (u) => `The TURN server forbids allocations (403) on ${u}.`,
    advice: () => advice(ProtocolCode.TURN_FORBIDDEN),
  },
  {
    code: FindingCode.TURN_QUOTA,
    severity: 'error',
    from: [ProtocolCode.TURN_QUOTA],
    message: (u) => `The TURN server refuses new allocations for this user because its quota is used up (486) on ${u}.`,
    advice: () => advice(ProtocolCode.TURN_QUOTA),
  },
  {
    code: FindingCode.TURN_CAPACITY,
    severity: 'error',
    from: [ProtocolCode.TURN_CAPACITY],
    message: (u) => `The TURN server is out of relay capacity (508) on ${u}.`,
    advice: () => advice(ProtocolCode.TURN_CAPACITY),
  },
  {
    code: FindingCode.BAD_SERVER_RESPONSE,
    severity: 'error',
    from: [ProtocolCode.NOT_STUN, ProtocolCode.NO_MAGIC_COOKIE, ProtocolCode.MALFORMED_RESPONSE, ProtocolCode.TRANSACTION_MISMATCH, ProtocolCode.CONNECTION_CLOSED],
    message: (u) => `Something answers at ${u}, but not with valid STUN/TURN.`,
    advice: (c) => advice(c),
  },
  {
    code: FindingCode.TURN_SERVER_ERROR,
    severity: 'error',
    from: [
      ProtocolCode.TURN_ERROR,
      ProtocolCode.TURN_STALE_NONCE,
      ProtocolCode.TURN_NO_AUTH_CHALLENGE,
      ProtocolCode.TURN_ALLOCATION_MISMATCH,
      ProtocolCode.TURN_UNKNOWN_ATTRIBUTE,
      ProtocolCode.TURN_UNSUPPORTED_TRANSPORT,
      ProtocolCode.TURN_ADDRESS_FAMILY_NOT_SUPPORTED,
      ProtocolCode.TURN_TRY_ALTERNATE,
      ProtocolCode.TURN_BAD_REQUEST,
      ProtocolCode.TURN_INTEGRITY_INVALID,
      ProtocolCode.TURN_NO_RELAYED_ADDRESS,
      ProtocolCode.STUN_ERROR_RESPONSE,
      ProtocolCode.STUN_NO_MAPPED_ADDRESS,
    ],
    message: (u) => `The server answered with an error or a broken response on ${u}.`,
    advice: (c) => advice(c),
  },
  {
    code: FindingCode.TURN_REFRESH_FAILED,
    severity: 'warn',
    from: [ProtocolCode.TURN_REFRESH_FAILED],
    message: (u) => `Allocating a relay worked on ${u}, but freeing it (Refresh with lifetime 0) failed, so allocations linger until they expire.`,
    advice: () => advice(ProtocolCode.TURN_REFRESH_FAILED),
  },
];

const NODE_KINDS = new Set<Check['kind']>(['stun-binding', 'turn-allocate']);

export const turnErrors: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  for (const k of KINDS) {
    // One finding per distinct check code, so the advice fits the exact answer.
    const byCode = new Map<string, Check[]>();
    for (const s of ev.servers) {
      const node = ev.node(s);
      const gather = ev.gather(s);
      const nodeHit = node !== undefined && NODE_KINDS.has(node.kind) && k.from.includes(node.code);
      // The browser names 403/486/508 itself; its generic TURN_ERROR joins TURN_SERVER_ERROR only beside Node's evidence.
      const browserHit = gather !== undefined && k.from.includes(gather.code) && gather.code !== CheckCode.TURN_ERROR;
      const code = nodeHit ? node.code : browserHit ? gather.code : null;
      if (code === null) continue;
      const cited = [nodeHit ? node : undefined, browserHit || (nodeHit && gather?.code === CheckCode.TURN_ERROR) ? gather : undefined].filter((c): c is Check => c !== undefined);
      byCode.set(code, [...(byCode.get(code) ?? []), ...cited]);
    }
    for (const [code, checks] of byCode) {
      const urls = list([...new Set(checks.map((c) => c.target))]);
      const detail = k.code === FindingCode.TURN_SERVER_ERROR || k.code === FindingCode.BAD_SERVER_RESPONSE ? ` (${code})` : '';
      out.push(finding(k.code, k.severity, k.message(urls).replace(/\.$/, `${detail}.`), k.advice(code), checks.map((c) => c.id)));
    }
  }
  return out;
};
