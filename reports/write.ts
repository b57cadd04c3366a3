/**
 * The only part of reports/ that touches files: write the requested outputs, and load a saved
 * report for `iceprobe report`. Renderers stay pure; this file decides paths and streams.
 */
import { accessSync, appendFileSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, OutputError, echoInput, readFailure } from '../src/core/errors.js';
import { FILE_LIMITS, readRegularFile } from '../src/core/files.js';
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
  /** How error lines name each output (default --json, --html, --junit, --markdown). */
  labels?: Partial<Record<keyof WriteTargets, string>>;
}

const DEFAULT_LABELS: Record<keyof WriteTargets, string> = { json: '--json', html: '--html', junit: '--junit', markdownSummary: '--markdown' };

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

/** Why `path` cannot be written, or null when it can (checked by creating and removing a probe file). */
export function writeProblem(path: string): string | null {
  if (path === '') return 'needs a path';
  const abs = resolve(path);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) return 'is a directory; give a file name';
    if (!st.isFile()) return null; // /dev/null, /dev/stdout: written as they are
    accessSync(abs, constants.W_OK);
    return null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write there (${readFailure(e)})`;
  }
  const probe = join(dirname(abs), `.iceprobe-write-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe, { force: true });
    return null;
  } catch (e) {
    return `cannot write there (${readFailure(e)})`;
  }
}

/**
 * Problems with the output paths, one line each naming its flag: checked before a run, so a
 * bad path costs nothing measured. (A write can still fail after the run: writeReports says so.)
 */
export function checkWriteTargets(targets: WriteTargets, labels: WriteOptions['labels'] = {}): string[] {
  const problems: string[] = [];
  for (const key of ['json', 'html', 'junit', 'markdownSummary'] as const) {
    const path = targets[key];
    if (path === undefined || (key === 'json' && path === '-')) continue;
    const why = writeProblem(path);
    if (why !== null) problems.push(`${labels[key] ?? DEFAULT_LABELS[key]} ${echoInput(path)}: ${why}`);
  }
  return problems;
}

/**
 * Writes each requested format. The report is validated first: a report that does not match
 * the schema is a bug in iceprobe, and nothing is written from it. Every output is attempted:
 * when some fail, the others are still written and an OutputError names each failure (and
 * carries what was written).
 */
export function writeReports(report: Report, targets: WriteTargets, opts: WriteOptions = {}): Written[] {
  const checked = Report.parse(report);
  const written: Written[] = [];
  const problems: string[] = [];
  const out = (key: keyof WriteTargets, format: Written['format'], path: string, render: () => string, append = false) => {
    const text = render();
    try {
      written.push({ format, path: toFile(path, text, append), bytes: Buffer.byteLength(text) });
    } catch (e) {
      problems.push(`${opts.labels?.[key] ?? DEFAULT_LABELS[key]} ${echoInput(path)}: not written (${readFailure(e)})`);
    }
  };
  if (targets.json !== undefined) {
    const text = `${JSON.stringify(checked, null, 2)}\n`;
    if (targets.json === '-') {
      (opts.stdout ?? process.stdout).write(text);
      written.push({ format: 'json', path: '-', bytes: Buffer.byteLength(text) });
    } else {
      out('json', 'json', targets.json, () => text);
    }
  }
  if (targets.html !== undefined) out('html', 'html', targets.html, () => renderHtml(checked));
  if (targets.junit !== undefined) out('junit', 'junit', targets.junit, () => renderJunit(checked));
  if (targets.markdownSummary !== undefined) out('markdownSummary', 'markdown', targets.markdownSummary, () => `${renderMarkdown(checked)}\n`, true);
  if (problems.length > 0) throw new OutputError(problems, written);
  return written;
}

/**
 * Reads and validates a saved report. Every problem is a ConfigError naming the file: missing,
 * not JSON, another schemaVersion (with both versions), or fields that do not match.
 */
export function loadReport(file: string): Report {
  const path = echoInput(file);
  let text: string;
  try {
    text = readRegularFile(file, FILE_LIMITS.reportBytes);
  } catch (e) {
    throw new ConfigError([`${path}: ${readFailure(e)}; pass the path of a report written with --json`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${path}: not valid JSON (${echoInput((e as Error).message)}); pass a report written with --json`]);
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
