/**
 * The Report of a Node-only probe (stun, turn, tls modules): the one report assembly
 * (src/run/assemble.ts) that `iceprobe check` and `iceprobe serve` use, fed what the probe
 * measured. Browser probes (gather, call) get theirs from check() itself.
 */
import type { ServerSpec } from '../../config/config.js';
import type { Secrets } from '../../core/redact.js';
import type { Check, Report } from '../../core/schema.js';
import { VERSION } from '../../core/version.js';
import { assembleReport } from '../../run/assemble.js';

export function protocolReport(o: { servers: readonly ServerSpec[]; checks: readonly Check[]; startedAt: Date; durationMs: number; partial: boolean; secrets: Secrets }): Report {
  return assembleReport({
    startedAt: o.startedAt,
    durationMs: o.durationMs,
    partial: o.partial,
    toolVersion: VERSION,
    origin: { kind: 'check' },
    environment: { browser: null, node: process.version, platform: `${process.platform}-${process.arch}` },
    servers: o.servers,
    checks: o.checks,
    candidates: [],
    secrets: o.secrets,
  });
}
