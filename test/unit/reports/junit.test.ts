import { describe, expect, it } from 'vitest';
import { renderJunit, testcaseName, testcaseNames } from '../../../reports/junit.js';
import type { Report } from '../../../src/core/schema.js';
import { xmlSafe } from '../../../reports/escape.js';
import { childElements, expectGolden, FIXTURE_NAMES, HOSTILE, loadFixture, parseXml, textOf, type XmlElement } from './helpers.js';

const cases = (root: XmlElement) => childElements(root, 'testsuite').flatMap((s) => childElements(s, 'testcase'));

describe('renderJunit', () => {
  it.each(FIXTURE_NAMES)('%s: well-formed XML with one testsuite per kind and one testcase per check', (name) => {
    const r = loadFixture(name);
    const root = parseXml(renderJunit(r));
    expect(root.name).toBe('testsuites');
    expect(root.attrs['tests']).toBe(String(r.checks.length));
    expect(root.attrs['failures']).toBe(String(r.summary.failed));
    expect(root.attrs['skipped']).toBe(String(r.summary.skipped));
    const kinds = [...new Set(r.checks.map((c) => c.kind))];
    const suites = childElements(root, 'testsuite');
    expect(suites.map((s) => s.attrs['name'])).toEqual(kinds);
    for (const s of suites) {
      const mine = r.checks.filter((c) => c.kind === s.attrs['name']);
      expect(s.attrs['tests']).toBe(String(mine.length));
      expect(s.attrs['failures']).toBe(String(mine.filter((c) => c.status === 'fail').length));
      const tc = childElements(s, 'testcase');
      const names = testcaseNames(r).filter((_, k) => r.checks[k]?.kind === s.attrs['name']);
      expect(tc.map((t) => [t.attrs['classname'], t.attrs['name']])).toEqual(mine.map((c, k) => [c.kind, xmlSafe(names[k] ?? '')]));
    }
    const all = cases(root);
    expect(all.filter((t) => childElements(t, 'failure').length === 1)).toHaveLength(r.summary.failed);
    expect(all.filter((t) => childElements(t, 'skipped').length === 1)).toHaveLength(r.summary.skipped);
  });

  it('an IPv6 twin gets its own testcase name, next to the probe it repeats', () => {
    const r = loadFixture('failing');
    const primary = r.checks.find((c) => c.kind === 'turn-allocate');
    if (!primary) throw new Error('fixture without turn-allocate');
    const twin = { ...primary, id: `${primary.id}@ipv6` };
    expect(testcaseName(twin)).toBe(`${testcaseName(primary)} (IPv6)`);
    r.checks.push(twin);
    const names = cases(parseXml(renderJunit(r))).map((t) => t.attrs['name']);
    expect(names).toContain(xmlSafe(testcaseName(twin)));
    expect(names).toContain(xmlSafe(testcaseName(primary)));
  });

  it('failing: each failure carries its finding’s message, the code as type, and the advice', () => {
    const r = loadFixture('failing');
    const root = parseXml(renderJunit(r));
    const auth = r.findings.find((f) => f.code === 'TURN_AUTH_FAILED');
    const failures = cases(root).flatMap((t) => childElements(t, 'failure'));
    const authFailures = failures.filter((f) => f.attrs['type'] === 'TURN_AUTH_FAILED');
    expect(authFailures).toHaveLength(6);
    for (const f of authFailures) {
      expect(f.attrs['message']).toBe(auth?.message);
      expect(textOf(f)).toContain(auth?.advice);
    }
    expect(failures.filter((f) => f.attrs['type'] === 'RELAY_CALL_FAILED')).toHaveLength(3);
  });

  it('warn passes, with the warning and its finding in system-out', () => {
    const r = loadFixture('partial');
    const root = parseXml(renderJunit(r));
    const warn = cases(root).find((t) => t.attrs['classname'] === 'config');
    expect(warn && childElements(warn, 'failure')).toHaveLength(0);
    const out = warn && childElements(warn, 'system-out')[0];
    expect(out && textOf(out)).toContain('NO_TCP_TLS_RELAY');
    expect(out && textOf(out)).toContain(r.findings[0]?.advice);
    const props = childElements(childElements(root, 'testsuite')[0] as XmlElement, 'properties')[0];
    expect(props && childElements(props, 'property').find((p) => p.attrs['name'] === 'partial')?.attrs['value']).toBe('true');
  });

  it('hostile strings survive as data: attributes and text read back exactly (minus illegal XML characters)', () => {
    const r = loadFixture('hostile');
    const xml = renderJunit(r);
    expect(xml).not.toContain('\u001b');
    const root = parseXml(xml);
    const safe = xmlSafe(HOSTILE);
    const tc = cases(root).find((t) => t.attrs['name']?.startsWith('turn:evil.example.com'));
    expect(tc?.attrs['name']).toBe(`turn:evil.example.com:3478?transport=udp${safe} [udp]`);
    const failure = tc && childElements(tc, 'failure')[0];
    expect(failure?.attrs['message']).toBe(`finding ${safe}`);
    expect(failure && textOf(failure)).toContain(`advice ${safe}`);
    expect(cases(root).some((t) => childElements(t, 'failure').some((f) => f.attrs['type'] === `CODE_${safe}`))).toBe(true);
  });

  it('a report without checks is still a valid, empty suite carrying orphan findings', () => {
    const r = loadFixture('partial');
    const root = parseXml(renderJunit({ ...r, checks: [], summary: { status: 'skip', passed: 0, warned: 0, failed: 0, skipped: 0 } }));
    expect(root.attrs['tests']).toBe('0');
    const suite = childElements(root, 'testsuite')[0];
    expect(suite?.attrs['name']).toBe('iceprobe');
    expect(textOf(childElements(suite as XmlElement, 'system-out')[0] as XmlElement)).toContain('NO_TCP_TLS_RELAY');
  });

  it('failing: matches the golden JUnit file', () => {
    expectGolden(renderJunit(loadFixture('failing')), 'failing.junit.xml');
  });

  it.each(FIXTURE_NAMES)('%s: testcase names are unique within their classname (read back from the XML)', (name) => {
    const r = loadFixture(name);
    // Two config checks on iceServers used to be config/config twice.
    r.checks.push({ id: 'config:port-policy', kind: 'config', target: 'iceServers', transport: null, status: 'fail', code: 'PORT_BLOCKED_BY_BROWSER', durationMs: 0, details: {} });
    r.checks.push({ id: 'config:turn-present', kind: 'config', target: 'iceServers', transport: null, status: 'pass', code: 'OK', durationMs: 0, details: {} });
    const seen = cases(parseXml(renderJunit(r))).map((t) => `${t.attrs['classname'] ?? ''} / ${t.attrs['name'] ?? ''}`);
    expect(seen).toHaveLength(r.checks.length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('the embedded server\'s random ports never reach a testcase name: two runs give the same names', () => {
    const run = (p1: number, p2: number): Report => {
      const text = JSON.stringify(loadFixture('healthy')).replaceAll('127.0.0.1:3478', `127.0.0.1:${p1}`).replaceAll('127.0.0.1:5349', `127.0.0.1:${p2}`).replaceAll(':3478', `:${p1}`).replaceAll(':5349', `:${p2}`).replaceAll('"port":3478', `"port":${p1}`).replaceAll('"port":5349', `"port":${p2}`);
      return JSON.parse(text) as Report;
    };
    const a = run(40001, 40002);
    const b = run(51111, 52222);
    expect(a.environment.embeddedServer).toBe(true);
    const names = (r: Report) => cases(parseXml(renderJunit(r))).map((t) => `${t.attrs['classname'] ?? ''} / ${t.attrs['name'] ?? ''}`);
    expect(names(a)).toEqual(names(b));
    for (const n of names(a)) expect(n).not.toMatch(/40001|40002/);
    expect(names(a)).toContain('turn-allocate / turns:embedded-tls?transport=tcp [tls]');
    expect(names(a)).toContain('turn-allocate / turn:embedded?transport=udp [udp]');
  });

  it('a real server keeps its port in the name (it is stable already)', () => {
    const r = loadFixture('failing');
    expect(cases(parseXml(renderJunit(r))).map((t) => t.attrs['name'])).toContain('turn:127.0.0.1:3478?transport=udp [udp]');
  });

  it('an interrupted run: unfinished checks are skipped with the reason, the summary property says interrupted', () => {
    const root = parseXml(renderJunit(loadFixture('partial')));
    const skipped = cases(root).flatMap((t) => childElements(t, 'skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.attrs['message']).toMatch(/^not finished: the run was interrupted/);
    expect(cases(root).flatMap((t) => childElements(t, 'failure'))).toHaveLength(0);
    const props = childElements(childElements(root, 'testsuite')[0] as XmlElement, 'properties')[0] as XmlElement;
    expect(childElements(props, 'property').find((p) => p.attrs['name'] === 'summary')?.attrs['value']).toBe('interrupted');
  });
});
