/**
 * The one way a check is built: its status and advice come from the code's catalog entry
 * (src/core/codes.ts), never picked on the spot.
 */
import { CATALOG, CheckCode, statusOf } from './codes.js';
import type { Check, CheckKind, Transport } from './schema.js';

export interface CheckInput {
  id: string;
  kind: CheckKind;
  target: string;
  transport: Transport | null;
  code: string;
  message: string;
  durationMs: number;
  details: Record<string, unknown>;
}

/** Milliseconds to two decimals, as reports carry them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A check from its code: status from the catalog; a non-passing check gets the catalog's advice in details (when it has one). */
export function makeCheck(c: CheckInput): Check {
  const status = statusOf(c.code);
  const advice = (CATALOG as Record<string, { advice: string | null } | undefined>)[c.code]?.advice ?? null;
  const details = status === 'pass' || advice === null ? c.details : { ...c.details, advice };
  return { id: c.id, kind: c.kind, target: c.target, transport: c.transport, status, code: c.code, message: c.message, durationMs: Math.max(0, roundMs(c.durationMs)), details };
}


/**
 * Whether a check's probe got its answer: it passed, or it warned about quality only (slow, low
 * throughput, a symmetric NAT). UNSUPPORTED_BY_BROWSER is a warning that the browser ignored the
 * URL (stuns:, or Firefox and a turns: URL to an IP address): nothing was tried, nothing answered.
 */
export function checkWorked(c: Pick<Check, 'status' | 'code'>): boolean {
  return c.status === 'pass' || (c.status === 'warn' && c.code !== CheckCode.UNSUPPORTED_BY_BROWSER);
}
