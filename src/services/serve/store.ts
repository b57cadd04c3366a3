/**
 * serve's result store: every finished visit's report as `<reportsDir>/<time>-<id>.json` and
 * `.html`, with its plain-language verdict, and the per-link-token quota of stored reports.
 * results-page.ts reads the same directory back for the operator.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Report } from '../../core/schema.js';
import { writeReports } from '../../../reports/write.js';
import { Quota } from './limits.js';
import { plainVerdict, type PlainVerdict } from './verdict.js';

export interface StoredReport {
  id: string;
  json: string;
  html: string;
  report: Report;
  verdict: PlainVerdict;
}

const RESULT_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A short result id a person can read out: 10 characters, no look-alikes. */
export function newResultId(bytes: Buffer = randomBytes(10)): string {
  return [...bytes].map((b) => RESULT_ALPHABET[b % RESULT_ALPHABET.length]).join('');
}

/** 2024-05-01T12:03:04.567Z → 20240501T120304Z */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class ResultStore {
  /** Reports stored so far, oldest first. */
  readonly stored: StoredReport[] = [];
  /** The directory, absolute. */
  readonly dir: string;
  private readonly quota: Quota;

  constructor(dir: string, reportsPerToken: number) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
    this.quota = new Quota(reportsPerToken);
  }

  /** Reports this link token may still store. */
  remaining(tokenKey: string): number {
    return this.quota.remaining(tokenKey);
  }

  /** Counts one stored report against the token; false when its quota is used up. */
  take(tokenKey: string): boolean {
    return this.quota.take(tokenKey);
  }

  /** Writes the report (JSON and HTML) under its id and the visit's start time; keeps it. */
  save(report: Report, id: string, startedAt: Date): StoredReport {
    const base = join(this.dir, `${fileStamp(startedAt)}-${id}`);
    writeReports(report, { json: `${base}.json`, html: `${base}.html` });
    const entry: StoredReport = { id, json: `${base}.json`, html: `${base}.html`, report, verdict: plainVerdict(report) };
    this.stored.push(entry);
    return entry;
  }
}
