import { describe, expect, it } from 'vitest';
import { renderTable, shortTarget } from '../../../reports/table.js';
import { FIXTURE_NAMES, loadFixture } from './helpers.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const width = (line: string) => [...line.replace(ANSI, '')].length;

describe('renderTable', () => {
  it.each(FIXTURE_NAMES.flatMap((n) => [100, 80, 60].map((w) => [n, w] as const)))('%s fits in %i columns', (name, w) => {
    const out = renderTable(loadFixture(name), { color: false, width: w });
    for (const line of out.split('\n')) expect(width(line), line).toBeLessThanOrEqual(w);
  });

  it('colour only when asked', () => {
    const r = loadFixture('failing');
    expect(renderTable(r, { color: false })).not.toContain('\u001b');
    const coloured = renderTable(r, { color: true });
    expect(coloured).toContain('\u001b[31mfail\u001b[0m');
    // Same layout either way.
    expect(coloured.replace(ANSI, '')).toBe(renderTable(r, { color: false }));
  });

  it('failing: checks, candidates, calls, findings with advice, then the verdict line last', () => {
    const r = loadFixture('failing');
    const out = renderTable(r, { color: false });
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('Checks (15)');
    for (const h of ['Candidates (8)', 'Calls (4)', 'Findings (3)']) expect(lines).toContain(h);
    expect(out.indexOf('Checks (')).toBeLessThan(out.indexOf('Candidates ('));
    expect(out.indexOf('Calls (')).toBeLessThan(out.indexOf('Findings ('));
    expect(out).toMatch(/^ERROR TURN_AUTH_FAILED: /m);
    expect(out.replace(/\s+/g, ' ')).toContain(`→ ${r.findings[0]?.advice}`);
    expect(out).toMatch(/\n\nFAIL {2}5 passed · 0 warnings · 9 failed · 1 skipped — The TURN server/);
    expect(out.match(/TURN_AUTH_FAILED/g)?.length).toBeGreaterThanOrEqual(7);
  });

  it('healthy: key details — relayed address, candidate counts, throughput and the selected pair', () => {
    const out = renderTable(loadFixture('healthy'), { color: false, width: 100 });
    expect(out).toContain('relayed 127.0.0.1:49152');
    expect(out).toContain('host 1 srflx 1 relay 1');
    expect(out).toMatch(/│ relay-udp +│ udp │ relay +│ pass +│ +131 │ +162\.9 │ +0\.3 │ relay\/udp 127\.0\.0\.1:49152/);
    expect(out).toMatch(/^PASS {2}14 passed/m);
  });

  it('an IPv6 twin is labelled in the Kind column', () => {
    const r = loadFixture('healthy');
    const primary = r.checks.find((c) => c.kind === 'turn-allocate');
    if (!primary) throw new Error('fixture without turn-allocate');
    r.checks.push({ ...primary, id: `${primary.id}@ipv6`, status: 'fail', code: 'TIMEOUT' });
    const out = renderTable(r, { color: false, width: 160 });
    expect(out).toMatch(/│ turn-allocate \(IPv6\) +│ udp +│ fail +│ TIMEOUT/);
    expect(out).toMatch(/│ turn-allocate +│ udp +│ pass +│ OK/);
  });

  it('hostile: no escape sequence or bell from the report reaches the terminal', () => {
    const out = renderTable(loadFixture('hostile'), { color: false });
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('[31mRED');
  });

  it.each([
    ['turn:h.example.com:3478?transport=udp', 'udp', 'turn:h.example.com:3478'],
    ['turns:h.example.com:443?transport=tcp', 'tls', 'turns:h.example.com:443'],
    ['turn:h.example.com:3478?transport=tcp', 'udp', 'turn:h.example.com:3478?transport=tcp'],
    ['relay-udp', 'udp', 'relay-udp'],
  ])('shortTarget(%s, %s) = %s', (target, tr, short) => expect(shortTarget(target, tr)).toBe(short));
});
