import { describe, expect, it } from 'vitest';
import { buildMatrix, checkBelongsTo, checksOutsideMatrix, fmtBps, fmtMs, keyDetail, matrixColumns, verdictHeadline } from '../../../reports/model.js';
import type { Check, Report } from '../../../src/core/schema.js';
import { loadFixture } from './helpers.js';

/** Each row as its URL and the cells of the columns shown, as "status:CODE" or "-". */
const statuses = (r: Report) => {
  const m = buildMatrix(r);
  const cols = matrixColumns(m);
  return m.map((row) => [row.url, ...cols.map((col) => row.cells[col.key]).map((c) => (c.status === null ? '-' : `${c.status}:${c.codes.join('+')}`))]);
};

describe('matrix', () => {
  it('healthy: every URL × column cell holds the right check', () => {
    expect(statuses(loadFixture('healthy'))).toEqual([
      ['stun:127.0.0.1:3478', 'skip:SKIPPED', 'pass:OK', '-', '-', 'pass:OK', '-'],
      ['turn:127.0.0.1:3478?transport=udp', 'skip:SKIPPED', '-', 'pass:OK', '-', 'pass:OK', 'pass:OK'],
      ['turn:127.0.0.1:3478?transport=tcp', 'skip:SKIPPED', '-', 'pass:OK', '-', 'pass:OK', 'pass:OK'],
      ['turns:127.0.0.1:5349?transport=tcp', 'skip:SKIPPED', '-', 'pass:OK', 'pass:OK', 'pass:OK', 'pass:OK'],
    ]);
  });

  it('failing: TURN rows fail with TURN_AUTH_FAILED and RELAY_CALL_FAILED', () => {
    const rows = statuses(loadFixture('failing'));
    expect(rows[1]).toEqual(['turn:127.0.0.1:3478?transport=udp', 'skip:SKIPPED', '-', 'fail:TURN_AUTH_FAILED', '-', 'fail:TURN_AUTH_FAILED', 'fail:RELAY_CALL_FAILED']);
    expect(rows[0]?.slice(1)).toEqual(['skip:SKIPPED', 'pass:OK', '-', '-', 'pass:OK', '-']);
  });

  it('checks outside the matrix: config and the policy-all call', () => {
    const r = loadFixture('healthy');
    expect(checksOutsideMatrix(r, buildMatrix(r)).map((c) => c.id)).toEqual(['config:turn-present', 'call:all']);
  });

  it('optional columns: IPv6 twins, loss/jitter and NAT appear only when a URL has such a check', () => {
    const r = loadFixture('healthy');
    const fixed = matrixColumns(buildMatrix(r)).map((c) => c.key);
    expect(fixed).toEqual(['dns', 'stun-binding', 'turn-allocate', 'tls', 'gather', 'call']);
    const stun = r.servers.find((s) => s.scheme === 'stun');
    const turn = r.checks.find((c) => c.kind === 'turn-allocate');
    if (!stun || !turn) throw new Error('fixture without stun: URL or turn-allocate');
    const base = { transport: 'udp' as const, status: 'pass' as const, code: 'OK', durationMs: 1, details: {} };
    r.checks.push(
      { ...turn, id: `${turn.id}@ipv6`, status: 'fail', code: 'TIMEOUT' },
      { ...base, id: `path-quality:${stun.url}`, kind: 'path-quality', target: stun.url },
      { ...base, id: `nat:${stun.url}`, kind: 'nat', target: stun.url },
    );
    const m = buildMatrix(r);
    expect(matrixColumns(m).map((c) => c.key)).toEqual([...fixed, 'ipv6', 'path-quality', 'nat']);
    const turnRow = m.find((row) => row.url === turn.target);
    // The IPv6 twin has its own cell; the IPv4 probe's cell keeps its own verdict.
    expect(turnRow?.cells['ipv6']).toMatchObject({ status: 'fail', codes: ['TIMEOUT'] });
    expect(turnRow?.cells['turn-allocate'].status).toBe(turn.status);
    const stunRow = m.find((row) => row.url === stun.url);
    expect(stunRow?.cells['path-quality'].status).toBe('pass');
    expect(stunRow?.cells['nat'].status).toBe('pass');
    expect(checksOutsideMatrix(r, m).map((c) => c.id)).not.toContain(`${turn.id}@ipv6`);
  });

  it('a target without ?transport belongs only to the URL of its own transport', () => {
    const r = loadFixture('healthy');
    const check: Check = { id: 'x', kind: 'turn-allocate', target: 'turn:127.0.0.1:3478', transport: 'tcp', status: 'pass', code: 'OK', durationMs: 1, details: {} };
    expect(r.servers.map((s) => checkBelongsTo(r, check, s))).toEqual([false, false, true, false]);
    const byLabel = { ...check, target: 'turn:127.0.0.1:3478/udp', transport: null };
    expect(r.servers.map((s) => checkBelongsTo(r, byLabel, s))).toEqual([false, true, false, false]);
    const byDetail = { ...check, target: 'probe-7', details: { url: 'turns:127.0.0.1:5349?transport=tcp' } };
    expect(r.servers.map((s) => checkBelongsTo(r, byDetail, s))).toEqual([false, false, false, true]);
  });

  it('the worst status of a cell wins and its code comes first', () => {
    const r = loadFixture('healthy');
    const extra: Check = { id: 'gather2', kind: 'gather', target: 'stun:127.0.0.1:3478', transport: 'udp', status: 'warn', code: 'SLOW', durationMs: 1, details: {} };
    const cell = buildMatrix({ ...r, checks: [...r.checks, extra] })[0]?.cells.gather;
    expect(cell?.status).toBe('warn');
    expect(cell?.codes).toEqual(['SLOW', 'OK']);
  });
});

describe('formats and details', () => {
  it.each([
    [0.42, '0.4 ms'],
    [12.4, '12 ms'],
    [131, '131 ms'],
    [12_345, '12.3 s'],
    [null, '–'],
  ])('fmtMs(%s) = %s', (v, s) => expect(fmtMs(v)).toBe(s));

  it.each([
    [950, '950 bit/s'],
    [480_000, '480 kbit/s'],
    [97_300_000, '97.3 Mbit/s'],
    [162_900_000, '163 Mbit/s'],
    [1_250_000_000, '1.25 Gbit/s'],
  ])('fmtBps(%s) = %s', (v, s) => expect(fmtBps(v)).toBe(s));

  it('key details: relayed address, candidate counts, call throughput', () => {
    const r = loadFixture('healthy');
    const by = (id: string) => keyDetail(r, r.checks.find((c) => c.id === id) as Check);
    expect(by('turn-allocate:turn:127.0.0.1:3478?transport=udp')).toBe('relayed 127.0.0.1:49152, mapped 127.0.0.1:43713');
    expect(by('gather:turn:127.0.0.1:3478?transport=udp')).toBe('host 1 srflx 1 relay 1');
    expect(by('call:relay-udp')).toMatch(/^\d+ Mbit\/s, setup 131 ms$/);
  });

  it('the headline is the most severe finding, or says all passed', () => {
    expect(verdictHeadline(loadFixture('healthy'))).toBe('Every check passed.');
    const f = loadFixture('failing');
    expect(verdictHeadline(f)).toBe(f.findings.find((x) => x.code === 'TURN_AUTH_FAILED')?.message);
  });
});
