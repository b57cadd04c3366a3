/**
 * The one report assembly: what a run measured → the Report that `iceprobe check`, `iceprobe
 * serve` (and the exporter) hand out. Diagnoses the draft, evaluates `--expect` gates (only on a
 * complete run), counts the summary, redacts every known secret by structure and proves the shape
 * with the report schema. Pure: no socket, browser or clock.
 */
import { echoServers, type ServerSpec } from '../config/config.js';
import { diagnose, sortFindings } from '../diagnosis/index.js';
import type { Secrets } from '../core/redact.js';
import { Report, SCHEMA_VERSION, summarize, type Call, type Candidate, type Check } from '../core/schema.js';
import { evaluateExpectations, expectationFindings, type Expectation } from './expect.js';

export interface ReportParts {
  startedAt: Date;
  /** Wall time of the run so far; rounded, never negative. */
  durationMs: number;
  /** Set when the run did not finish: what was measured is kept. */
  partial: boolean;
  toolVersion: string;
  origin?: Report['origin'];
  scenario?: string;
  environment: Report['environment'];
  servers: readonly ServerSpec[];
  checks: readonly Check[];
  /** Absent when calls were not part of the run (`--no-calls`); then the report has no `calls`. */
  calls?: readonly Call[];
  candidates: readonly Candidate[];
  /** `--expect` gates: evaluated against the diagnosed draft, skipped on a partial run. */
  expectations?: readonly Expectation[];
  secrets: Secrets;
}

export function assembleReport(p: ReportParts): Report {
  const draft = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'iceprobe' as const, version: p.toolVersion },
    startedAt: p.startedAt.toISOString(),
    durationMs: Math.max(0, Math.round(p.durationMs)),
    ...(p.partial ? { partial: true } : {}),
    ...(p.scenario ? { scenario: p.scenario } : {}),
    ...(p.origin ? { origin: p.origin } : {}),
    environment: p.environment,
    servers: echoServers(p.servers),
    checks: [...p.checks],
    ...(p.calls ? { calls: [...p.calls] } : {}),
    candidates: [...p.candidates],
  };
  let findings = diagnose(draft);
  const checks = [...draft.checks];
  const expectations = p.expectations ?? [];
  if (expectations.length > 0 && !p.partial) {
    const gates = evaluateExpectations({ ...draft, findings }, expectations);
    checks.push(...gates);
    findings = sortFindings([...findings, ...expectationFindings(gates)]);
  }
  const report: Report = { ...draft, checks, findings, summary: summarize(checks) };
  // Secrets never leave: redact everything, then prove the shape.
  return Report.parse(p.secrets.redactValue(report, Report));
}
