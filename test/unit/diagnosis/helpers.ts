/** Fixture reports for the diagnosis tests, and small edits that derive variants from them. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Report, type Check } from '../../../src/core/schema.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/diagnosis/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A fresh, schema-validated copy every time, so variants never leak into other tests. */
export function load(name: string): Report {
  return Report.parse(JSON.parse(readFileSync(`${FIXTURE_DIR}${name}.json`, 'utf8')));
}

export function check(r: Report, id: string): Check {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`fixture has no check ${id}`);
  return c;
}

/** Replace a check's outcome (status follows the code the way the producers set it). */
export function setCheck(r: Report, id: string, patch: Partial<Check>): Report {
  Object.assign(check(r, id), patch);
  return r;
}

export function dropChecks(r: Report, pred: (c: Check) => boolean): Report {
  r.checks = r.checks.filter((c) => !pred(c));
  return r;
}

export const LAB = {
  stunA: 'stun:198.18.0.1:3478',
  stunB: 'stun:198.18.0.2:3478',
  udp: 'turn:198.18.0.1:3478?transport=udp',
  tcp: 'turn:198.18.0.1:3478?transport=tcp',
  tls: 'turns:198.18.0.1:5349?transport=tcp',
  tls443: 'turns:198.18.0.1:443?transport=tcp',
} as const;

export const PROD = {
  stun: 'stun:turn.example.com:3478',
  udp: 'turn:turn.example.com:3478?transport=udp',
  tcp: 'turn:turn.example.com:3478?transport=tcp',
  tls: 'turns:turn.example.com:443?transport=tcp',
  tlsProbe: 'tls-handshake:turn.example.com:443',
} as const;

const refusedDetails = { error: 'connect ECONNREFUSED' };
export const refused = { status: 'fail', code: 'CONNECTION_REFUSED', details: refusedDetails } as const;
export const timeout = { status: 'fail', code: 'TIMEOUT', details: { sends: 7 } } as const;
export const gatherTimeout = { status: 'fail', code: 'GATHER_TIMEOUT', details: { ended: 'timeout', errors: [] } } as const;
