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
    expect(out).toMatch(/│ relay-udp +│ udp │ relay +│ pass +│ +131 │ +138\.0 │ +0\.3 │ relay\/udp 127\.0\.0\.1:49152/);
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

  /** Whole tokens a reader must see unbroken: codes, targets, addresses, call ids. */
  const tokens = (name: 'healthy' | 'failing' | 'partial') => {
    const r = loadFixture(name);
    return [
      ...r.checks.map((c) => c.code),
      ...r.candidates.map((c) => (c.address && c.address.includes(':') ? `[${c.address}]:${c.port ?? ''}` : `${c.address ?? ''}:${c.port ?? ''}`)),
      ...(r.calls ?? []).map((c) => c.id),
      ...r.checks.filter((c) => c.kind !== 'call').map((c) => shortTarget(c.target, c.transport)),
    ];
  };

  it.each((['healthy', 'failing', 'partial'] as const).flatMap((n) => [80, 100, 120].map((w) => [n, w] as const)))('%s at %i columns: no code, URL, address or call id is broken across lines', (name, w) => {
    const out = renderTable(loadFixture(name), { color: false, width: w });
    const cells = out.split('\n').flatMap((l) => l.split('│').map((x) => x.trim()));
    for (const tok of tokens(name)) expect(cells.some((c) => c.split(/\s+/).includes(tok)), `${tok} at ${w}`).toBe(true);
    expect(out).not.toContain('…');
  });

  it('120 columns: the full layout (Detail, Tr, Policy columns)', () => {
    const out = renderTable(loadFixture('healthy'), { color: false, width: 120 });
    expect(out).toMatch(/│ URL \/ target +│ Kind +│ Tr +│ Status +│ Code +│ +ms │ Detail +│/);
    expect(out).toMatch(/│ Call +│ Tr +│ Policy +│ Status │/);
    expect(out).toContain('relayed 127.0.0.1:49152');
  });

  it('80 columns: Detail gives way; what went wrong moves under the row, a passing check stays one line', () => {
    const r = loadFixture('failing');
    const out = renderTable(r, { color: false, width: 80 });
    expect(out).not.toMatch(/│ Detail/);
    const lines = out.split('\n');
    const i = lines.findIndex((l) => /│ turn:127\.0\.0\.1:3478 +│ turn-allocate │ udp +│ fail/.test(l));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/^│ ↳ The server answered 401 Unauthorized/);
    const pass = lines.findIndex((l) => /│ stun:127\.0\.0\.1:3478 +│ stun-binding/.test(l));
    expect(lines[pass + 1]).toMatch(/^│ turn:/);
  });

  it.each(['healthy', 'failing', 'partial'] as const)('%s on an 80×40 terminal: the last 40 lines hold every finding and the verdict', (name) => {
    const r = loadFixture(name);
    const lines = renderTable(r, { color: false, width: 80 }).trimEnd().split('\n');
    const screen = lines.slice(-40).join('\n');
    for (const f of r.findings) expect(screen).toContain(`${f.severity.toUpperCase()} ${f.code}:`);
    expect(lines.at(-1) ?? '').not.toBe('');
    expect(screen).toMatch(/^(PASS|WARN|FAIL|SKIP|INTERRUPTED) {2}\d+ passed/m);
  });

  it('an interrupted run: the verdict says INTERRUPTED and how many checks did not finish', () => {
    const out = renderTable(loadFixture('partial'), { color: false, width: 100 });
    expect(out).toMatch(/\nINTERRUPTED {2}1 passed · 1 warning · 0 failed · 1 skipped — The run was interrupted before it\s+finished: 1 unfinished check is shown as skipped\./);
    expect(out).toMatch(/│ gather +│ udp +│ skip +│ INTERRUPTED/);
  });
});
