/**
 * Runs with several browser engines (`--browser all`): the ordinary rules judge ONE engine's
 * in-browser checks, so a root cause is reported once, not once per engine. That engine is
 * Chromium when it ran, else the engine that did (`--browser firefox`), whose suffixed ids
 * (src/core/ids.ts) the rules then see under the plain ids they know; the ids their findings
 * cite are mapped back. What the other engines saw differently is the engine rule's
 * (./rules/engines.ts). Pure.
 */
import { engineId, parseEngineId, type EngineName } from '../core/ids.js';
import type { Finding } from '../core/schema.js';
import type { DiagnosisInput } from './evidence.js';

/** The engines whose in-browser checks are in the report, Chromium first. */
export function enginesIn(input: DiagnosisInput): EngineName[] {
  const seen = new Set<EngineName>();
  for (const c of input.checks) if (c.kind === 'gather' || c.kind === 'call') seen.add(parseEngineId(c.id).engine);
  return (['chromium', 'firefox'] as const).filter((e) => seen.has(e));
}

export interface EngineView {
  engine: EngineName;
  view: DiagnosisInput;
  /** A finding about the view, citing the report's own ids. */
  cite: (f: Finding) => Finding;
}

export function primaryEngineView(input: DiagnosisInput): EngineView {
  const engines = enginesIn(input);
  const engine = engines[0] ?? 'chromium';
  if (engines.length <= 1 && engine === 'chromium') return { engine, view: input, cite: (f) => f };
  const mine = (id: string | undefined) => id === undefined || parseEngineId(id).engine === engine;
  const plain = (id: string) => parseEngineId(id).primary;
  const view: DiagnosisInput = {
    ...input,
    checks: input.checks.filter((c) => mine(c.id)).map((c) => (engine === 'chromium' ? c : { ...c, id: plain(c.id) })),
    candidates: input.candidates.filter((c) => mine(c.checkId)).map((c) => (engine === 'chromium' || c.checkId === undefined ? c : { ...c, checkId: plain(c.checkId) })),
    ...(input.calls ? { calls: input.calls.filter((c) => mine(c.checkId)).map((c) => (engine === 'chromium' ? c : { ...c, id: plain(c.id), checkId: plain(c.checkId) })) } : {}),
  };
  const ids = new Set(input.checks.map((c) => c.id));
  const back = (id: string) => (ids.has(engineId(id, engine)) ? engineId(id, engine) : id);
  return { engine, view, cite: (f) => (engine === 'chromium' ? f : { ...f, checkIds: f.checkIds.map(back) }) };
}
