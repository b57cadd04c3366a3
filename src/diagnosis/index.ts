/** The diagnosis engine's public surface. */
export { FindingCode } from './codes.js';
export { diagnose, dedupFindings, sortFindings, resolveOptions, RULES, DEFAULT_LOW_THROUGHPUT_BPS, DEFAULT_SLOW_SETUP_MS } from './diagnose.js';
export type { DiagnosisInput, DiagnosisOptions, Rule } from './evidence.js';
export { mappingEvidence } from './rules/nat.js';
