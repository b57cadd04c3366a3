import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Report, summarize } from '../../../src/core/schema.js';
import { FIXTURES, FIXTURE_NAMES, HOSTILE, loadFixture } from './helpers.js';

describe('render fixtures', () => {
  it.each(FIXTURE_NAMES)('%s validates against the report schema and its summary matches its checks', (name) => {
    const raw: unknown = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
    const r = Report.safeParse(raw);
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues)).toBe(true);
    const report = loadFixture(name);
    expect(report.summary).toEqual(summarize(report.checks));
    // Findings only point at checks that exist.
    const ids = new Set(report.checks.map((c) => c.id));
    for (const f of report.findings) for (const id of f.checkIds) expect(ids.has(id), id).toBe(true);
  });

  it('healthy: the embedded default shape — 4 URLs, 3 relay calls + 1 policy-all call, 12 samples each', () => {
    const r = loadFixture('healthy');
    expect(r.servers.map((s) => s.scheme)).toEqual(['stun', 'turn', 'turn', 'turns']);
    expect(r.servers.map((s) => s.transport)).toEqual(['udp', 'udp', 'tcp', 'tls']);
    const calls = r.calls ?? [];
    expect(calls.filter((c) => c.policy === 'relay').map((c) => c.transport)).toEqual(['udp', 'tcp', 'tls']);
    expect(calls.filter((c) => c.policy === 'all')).toHaveLength(1);
    for (const c of calls) {
      expect(c.setup.phases.length).toBeGreaterThan(3);
      expect(c.throughput?.samples).toHaveLength(12);
    }
    expect(r.summary.status).toBe('pass');
  });

  it('failing: a wrong credential fails every TURN URL with TURN_AUTH_FAILED and a finding with advice', () => {
    const r = loadFixture('failing');
    const auth = r.checks.filter((c) => c.code === 'TURN_AUTH_FAILED');
    expect(auth.length).toBe(6);
    expect(auth.every((c) => c.status === 'fail')).toBe(true);
    const f = r.findings.find((x) => x.code === 'TURN_AUTH_FAILED');
    expect(f?.checkIds.sort()).toEqual(auth.map((c) => c.id).sort());
    expect(f?.advice.length).toBeGreaterThan(0);
    expect(r.summary.status).toBe('fail');
  });

  it('partial: no calls, no browser, partial: true', () => {
    const r = loadFixture('partial');
    expect(r.partial).toBe(true);
    expect(r.calls).toBeUndefined();
    expect(r.environment.browser).toBeNull();
  });

  it('hostile: carries the hostile string in free-text fields', () => {
    const text = readFileSync(join(FIXTURES, 'hostile.json'), 'utf8');
    expect(text.split(JSON.stringify(HOSTILE).slice(1, -1)).length - 1).toBeGreaterThanOrEqual(10);
  });
});
