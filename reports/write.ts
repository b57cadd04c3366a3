/**
 * The only part of reports/ that touches files: write the requested outputs, and load a saved
 * report for `iceprobe report`. Renderers stay pure; this file decides paths and streams.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, readFailure } from '../src/core/errors.js';
import { Report, SCHEMA_VERSION } from '../src/core/schema.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export interface WriteTargets {
  /** A path, or '-' for standard output. */
  json?: string;
  html?: string;
  junit?: string;
  /** Appended, as GitHub Actions expects for `$GITHUB_STEP_SUMMARY`. */
  markdownSummary?: string;
}

export interface WriteOptions {
  /** Where `json: '-'` goes; defaults to process.stdout. */
  stdout?: { write(chunk: string): unknown };
}

export interface Written {
  format: 'json' | 'html' | 'junit' | 'markdown';
  /** Absolute path, or '-' for standard output. */
  path: string;
  bytes: number;
}

function toFile(path: string, text: string, append = false): string {
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  if (append) appendFileSync(abs, text, 'utf8');
  else writeFileSync(abs, text, 'utf8');
  return abs;
}

/**
 * Writes each requested format. The report is validated first: a report that does not match
 * the schema is a bug in iceprobe, and nothing is written from it.
 */
export function writeReports(report: Report, targets: WriteTargets, opts: WriteOptions = {}): Written[] {
  const checked = Report.parse(report);
  const written: Written[] = [];
  const out = (format: Written['format'], path: string, text: string, append = false) => {
    written.push({ format, path: toFile(path, text, append), bytes: Buffer.byteLength(text) });
  };
  if (targets.json !== undefined) {
    const text = `${JSON.stringify(checked, null, 2)}\n`;
    if (targets.json === '-') {
      (opts.stdout ?? process.stdout).write(text);
      written.push({ format: 'json', path: '-', bytes: Buffer.byteLength(text) });
    } else {
      out('json', targets.json, text);
    }
  }
  if (targets.html !== undefined) out('html', targets.html, renderHtml(checked));
  if (targets.junit !== undefined) out('junit', targets.junit, renderJunit(checked));
  if (targets.markdownSummary !== undefined) out('markdown', targets.markdownSummary, `${renderMarkdown(checked)}\n`, true);
  return written;
}

/**
 * Reads and validates a saved report. Every problem is a ConfigError naming the file: missing,
 * not JSON, another schemaVersion (with both versions), or fields that do not match.
 */
export function loadReport(path: string): Report {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([`${path}: ${readFailure(e)}; pass the path of a report written with --json`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${path}: not valid JSON (${(e as Error).message}); pass a report written with --json`]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError([`${path}: not an iceprobe report (expected a JSON object with "schemaVersion")`]);
  }
  const version = (json as Record<string, unknown>)['schemaVersion'];
  if (version !== SCHEMA_VERSION) {
    const seen = version === undefined ? 'has no schemaVersion' : `has schemaVersion ${JSON.stringify(version)}`;
    throw new ConfigError([
      `${path}: ${seen}, but this iceprobe reads schemaVersion ${SCHEMA_VERSION}; re-render it with the iceprobe version that wrote it, or re-run the check`,
    ]);
  }
  const r = Report.safeParse(json);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.slice(0, 10).map((i) => `${path}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`),
    );
  }
  return r.data;
}
