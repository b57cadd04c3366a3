/**
 * iceprobe as a library: `check()` returns the same typed report the CLI prints.
 *
 *   import { check } from 'iceprobe';
 *   const report = await check({ urls: ['turn:turn.example.com:443?transport=tcp'], username, credential });
 *   if (report.summary.failed > 0) …
 */
export { check, type CheckOptions, type ProgressEvent } from './run/check.js';
export { BrowserOwner, type BrowserOptions } from './browser/owner.js';
export { resolveConfig, type ConfigInput, type ResolvedConfig, type ServerSpec } from './config/config.js';
export { parseIceUri, type IceUri } from './core/uri.js';
export { startCoturn, type Coturn, type CoturnOptions } from './servers/coturn.js';
export { mintTurnRestCredential } from './core/credentials.js';
export { CheckCode } from './core/codes.js';
export { FindingCode, diagnose } from './diagnosis/index.js';
export { ConfigError, EnvironmentError, RunError, UsageError, exitCodeFor, EXIT } from './core/errors.js';
export { Report as ReportSchema, SCHEMA_VERSION, summarize } from './core/schema.js';
export type { Report, Check, Finding, Candidate, Call, Status, Transport } from './core/schema.js';
export { renderHtml, renderJunit, renderMarkdown, renderTable, writeReports, loadReport } from '../reports/index.js';
export { startRelay, type RelayServer } from './servers/relay/server.js';
