/**
 * Several engines in one run: every engine's in-browser checks go into the one report, those of
 * an engine other than Chromium under their engine's ids (src/core/ids.ts `engineId`), with the
 * engine in `details.engine`. Pure.
 */
import { engineId, type EngineName } from '../core/ids.js';
import type { Call, Candidate, Check } from '../core/schema.js';

export function labelCheck(c: Check, engine: EngineName): Check {
  if (engine === 'chromium') return c;
  return { ...c, id: engineId(c.id, engine), details: { ...c.details, engine } };
}

export function labelCandidate(c: Candidate, engine: EngineName): Candidate {
  return engine === 'chromium' || c.checkId === undefined ? c : { ...c, checkId: engineId(c.checkId, engine) };
}

export function labelCall(c: Call, engine: EngineName): Call {
  return engine === 'chromium' ? c : { ...c, id: engineId(c.id, engine), checkId: engineId(c.checkId, engine) };
}
