/** The engine as a whole: fixtures are valid reports, the lab scenarios' expected codes hold, one finding per cause, order. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FindingCode } from '../../../src/diagnosis/codes.js';
import { dedupFindings, diagnose, mappingEvidence, sortFindings } from '../../../src/diagnosis/index.js';
import { Finding, summarize } from '../../../src/core/schema.js';
import { LAB, PROD, fixtureNames, load, setCheck } from './helpers.js';

const codes = (name: string) => diagnose(load(name)).map((f) => f.code);

describe('fixtures', () => {
  test.each(fixtureNames())('%s is a valid report before diagnosis', (name) => {
    const r = load(name); // Report.parse throws otherwise
    expect(r.findings).toEqual([]);
    expect(r.summary).toEqual(summarize(r.checks));
    for (const c of r.calls ?? []) expect(r.checks.map((x) => x.id)).toContain(c.checkId);
  });

  test('there are enough of them to matter', () => expect(fixtureNames().length).toBeGreaterThanOrEqual(15));
});

describe('lab scenarios: the finding codes fixtures/lab/<scenario>.json expects', () => {
  const scenarios = fixtureNames().filter((n) => {
    try {
      readFileSync(new URL(`../../../fixtures/lab/${n}.json`, import.meta.url));
      return true;
    } catch {
      return false;
    }
  });
  test('the lab-like fixtures cover these scenarios', () =>
    expect(scenarios).toEqual(expect.arrayContaining(['udp-blocked', 'tcp-443-only', 'turn-down', 'wrong-credentials', 'symmetric-nat', 'cone-nat', 'rate-limited', 'lossy'])));
  test.each(scenarios)('%s', (name) => {
    const scenario = JSON.parse(readFileSync(new URL(`../../../fixtures/lab/${name}.json`, import.meta.url), 'utf8')) as { expect: { findings: { present: string[]; absent: string[] } } };
    const got = codes(name);
    for (const c of scenario.expect.findings.present) expect(got, `${name} must report ${c}`).toContain(c);
    for (const c of scenario.expect.findings.absent) expect(got, `${name} must not report ${c}`).not.toContain(c);
  });
});

describe('diagnose', () => {
  test('findings validate against the report schema and cite existing checks', () => {
    for (const name of fixtureNames()) {
      const r = load(name);
      const ids = new Set(r.checks.map((c) => c.id));
      for (const f of diagnose(r)) {
        Finding.parse(f);
        for (const id of f.checkIds) expect(ids).toContain(id);
      }
    }
  });

  test('every finding code is a declared one', () => {
    const declared = new Set<string>(Object.values(FindingCode));
    for (const name of fixtureNames()) for (const c of codes(name)) expect(declared).toContain(c);
  });

  test('sorted by severity: errors, then warnings, then info', () => {
    const rank = { error: 0, warn: 1, info: 2 } as const;
    for (const name of fixtureNames()) {
      const s = diagnose(load(name)).map((f) => rank[f.severity]);
      expect(s).toEqual([...s].sort((a, b) => a - b));
    }
    expect(diagnose(load('symmetric-nat')).map((f) => f.severity)).toEqual(['warn', 'warn', 'info']);
    expect(diagnose(load('bad-cert')).map((f) => f.severity)[0]).toBe('error');
  });

  test('one finding per root cause: UDP_BLOCKED stands for the UDP timeouts', () => {
    const got = codes('udp-blocked');
    expect(got.filter((c) => c === FindingCode.UDP_BLOCKED)).toHaveLength(1);
    for (const c of [FindingCode.PORT_UNREACHABLE, FindingCode.SERVER_UNREACHABLE, FindingCode.TCP_BLOCKED, FindingCode.ONLY_443_OPEN]) expect(got).not.toContain(c);
  });

  test('wrong credentials: one TURN_AUTH_FAILED citing the browser 401 and the Node 401', () => {
    const auth = diagnose(load('wrong-credentials')).filter((f) => f.code === FindingCode.TURN_AUTH_FAILED);
    expect(auth).toHaveLength(1);
    expect(auth[0]?.checkIds).toEqual(expect.arrayContaining([`gather:${LAB.udp}`, `turn-allocate:${LAB.udp}`]));
  });

  test('ALL_GOOD only when nothing failed and nothing warns', () => {
    expect(codes('healthy')).toEqual([FindingCode.ALL_GOOD]);
    expect(codes('relay-selected')).toEqual([FindingCode.RELAY_REQUIRED, FindingCode.ALL_GOOD]);
    expect(codes('embedded')).not.toContain(FindingCode.ALL_GOOD); // its TLS probe failed
    expect(codes('slow-setup')).not.toContain(FindingCode.ALL_GOOD);
    expect(codes('stun-only')).not.toContain(FindingCode.ALL_GOOD);
    expect(diagnose(Object.assign(load('healthy'), { partial: true })).map((f) => f.code)).not.toContain(FindingCode.ALL_GOOD);
    expect(diagnose({ servers: [], checks: [], candidates: [] }).map((f) => f.code)).toEqual([FindingCode.NO_TURN_CONFIGURED]);
  });

  test('pure and deterministic: same input, same findings; the input is not modified', () => {
    const r = load('tcp-443-only');
    const before = JSON.stringify(r);
    const a = diagnose(r);
    expect(diagnose(r)).toEqual(a);
    expect(diagnose(load('tcp-443-only'))).toEqual(a);
    expect(JSON.stringify(r)).toBe(before);
  });

  test('options reach the rules', () => {
    expect(diagnose(load('healthy'), { slowSetupMs: 100 }).map((f) => f.code)).toContain(FindingCode.SLOW_SETUP);
    expect(diagnose(load('healthy'), { lowThroughputBps: 60_000_000 }).map((f) => f.code)).toContain(FindingCode.LOW_THROUGHPUT);
  });

  test('a finding about a check that changes follows it (no stale cache between inputs)', () => {
    const r = load('healthy');
    expect(diagnose(r).map((f) => f.code)).toEqual([FindingCode.ALL_GOOD]);
    const r2 = setCheck(load('healthy'), `turn-allocate:${PROD.udp}`, { status: 'fail', code: 'TURN_QUOTA' });
    expect(diagnose(r2).map((f) => f.code)).toContain(FindingCode.TURN_QUOTA);
  });
});

describe('dedup and sort', () => {
  const f = (code: string, severity: Finding['severity'], message: string, checkIds: string[]): Finding => ({ code, severity, message, advice: 'a', checkIds });
  test('same code and message merge their check ids, keeping the worse severity', () => {
    const got = dedupFindings([f('X', 'warn', 'm', ['a', 'b']), f('Y', 'info', 'm', ['c']), f('X', 'error', 'm', ['b', 'd'])]);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ code: 'X', severity: 'error', checkIds: ['a', 'b', 'd'] });
  });
  test('same code, different message: both stay', () => expect(dedupFindings([f('X', 'warn', 'm1', []), f('X', 'warn', 'm2', [])])).toHaveLength(2));
  test('stable within a severity', () =>
    expect(sortFindings([f('A', 'info', '', []), f('B', 'warn', '', []), f('C', 'info', '', []), f('D', 'error', '', [])]).map((x) => x.code)).toEqual(['D', 'B', 'A', 'C']));
});

describe('NAT helpers', () => {
  test('mappingEvidence: same base, different mapped port per destination', () => {
    const e = mappingEvidence(load('symmetric-nat').candidates);
    expect(e.differing).toHaveLength(1);
    expect(Object.keys(e.differing[0]?.byServer ?? {})).toEqual([LAB.stunA, LAB.stunB]);
    expect(mappingEvidence(load('cone-nat').candidates).differing).toEqual([]);
  });
  test('mappingEvidence ignores candidates of per-URL gathers (different sockets)', () => {
    const cands = load('symmetric-nat').candidates.map((c) => ({ ...c, checkId: `gather:${c.url}` }));
    expect(mappingEvidence(cands).differing).toEqual([]);
  });
});
