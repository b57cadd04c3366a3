/**
 * The one way a check is built: its status and advice come from the code's catalog entry
 * (src/core/codes.ts), never picked on the spot.
 */
import { CATALOG, statusOf } from './codes.js';
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

