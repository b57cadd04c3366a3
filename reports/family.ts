/**
 * The IPv6 twins of dual-stack hosts (`<id>@ipv6`, src/core/ids.ts) share their URL
 * with the probe they repeat: renderers label them so two rows of one URL are told apart.
 */
import { parseDualStackId, parseEngineId } from '../src/core/ids.js';
import type { Check } from '../src/core/schema.js';

/** ' (IPv6)' for a dual-stack twin, ' (Firefox)' for a check Firefox made (`<id>@firefox`), '' otherwise. */
export function familySuffix(check: Pick<Check, 'id'>): string {
  if (parseEngineId(check.id).engine === 'firefox') return ' (Firefox)';
  return parseDualStackId(check.id) ? ' (IPv6)' : '';
}
