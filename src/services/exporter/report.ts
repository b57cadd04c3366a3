/**
 * The Report of a Node-only probe (stun, turn, tls modules), built like `iceprobe check` builds
 * its own: the draft, the diagnosis engine's findings, the summary, secrets redacted, the schema
 * proven. Browser probes (gather, call) get their Report from check() itself.
 *
 * TODO(run/assemble.ts): once the shared report assembly lands on main, this becomes a call to it.
 */
import { echoServers, type ServerSpec } from '../../config/config.js';
import type { Secrets } from '../../core/redact.js';
import { Report, SCHEMA_VERSION, summarize, type Check } from '../../core/schema.js';
import { VERSION } from '../../core/version.js';
import { diagnose } from '../../diagnosis/index.js';

export function protocolReport(o: { servers: readonly ServerSpec[]; checks: readonly Check[]; startedAt: Date; durationMs: number; partial: boolean; secrets: Secrets }): Report {
  const draft = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'iceprobe' as const, version: VERSION },
    startedAt: o.startedAt.toISOString(),
    durationMs: Math.round(o.durationMs),
    ...(o.partial ? { partial: true } : {}),
    origin: { kind: 'check' as const },
    environment: { browser: null, node: process.version, platform: `${process.platform}-${process.arch}` },
    servers: echoServers(o.servers),
    checks: [...o.checks],
    candidates: [],
  };
  const findings = diagnose(draft);
  return Report.parse(o.secrets.redactValue({ ...draft, findings, summary: summarize(draft.checks) }));
}
