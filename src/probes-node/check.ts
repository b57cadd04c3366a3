/** Building Check objects for protocol probes. */
import type { Check, CheckKind, Transport } from '../core/schema.js';
import { advice, statusOf } from '../core/protocol-codes.js';

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

export function makeCheck(c: CheckInput): Check {
  const status = statusOf(c.code);
  const details = status === 'pass' ? c.details : { ...c.details, advice: advice(c.code) };
  return { id: c.id, kind: c.kind, target: c.target, transport: c.transport, status, code: c.code, message: c.message, durationMs: Math.max(0, round(c.durationMs)), details };
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
