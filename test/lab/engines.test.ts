/**
 * The engines compared in the NAT lab: the REAL `iceprobe check --browser all` (dist/, so run
 * `npx tsc -p .` first) from behind the scenario's router, Chromium and Firefox side by side.
 *   tcp-443-only  only TCP to 443 leaves the network and the TURNS URL is an IP address: Chromium
 *                 relays over TLS, Firefox does not try (it opens TURN over TLS only to a name),
 *                 so exactly that URL disagrees, named as such; every other URL fails in both.
 *   dual-stack    the TURN server has a name (turn.lab.test, the lab's own DNS server): both
 *                 engines relay over udp, tcp and tls, and no disagreement is reported.
 * The scenario's own expectations (Chromium's findings, transports) still hold with Firefox in
 * the run, and nothing is left behind.
 */
import { describe, expect, it } from 'vitest';
import { parseEngineId } from '../../src/core/ids.js';
import type { Report } from '../../src/core/schema.js';
import { realCheckLabs } from './helpers.js';

const runLab = realCheckLabs();

async function runBoth(name: string): Promise<Report> {
  const r = await runLab(name, { durationS: 1, checkTimeoutMs: 90_000, checkArgs: ['--browser', 'all'] });
  if (!r.report) throw new Error('no report');
  expect(r.report.environment.browsers?.map((b) => b.name)).toEqual(['chromium', 'firefox']);
  return r.report;
}

/** Each browser check of Chromium with Firefox's counterpart. */
function pairs(r: Report) {
  return r.checks
    .filter((c) => (c.kind === 'gather' || c.kind === 'call') && parseEngineId(c.id).engine === 'firefox')
    .map((ff) => ({ ff, cr: r.checks.find((c) => c.id === parseEngineId(ff.id).primary) }));
}

describe('Chromium and Firefox in the lab', () => {
  it('tcp-443-only: Chromium relays over TLS to the IP address, Firefox does not; only that URL disagrees', { timeout: 120_000 }, async () => {
    const r = await runBoth('tcp-443-only');
    const tls = r.servers.find((s) => s.scheme === 'turns');
    if (!tls) throw new Error('scenario has a turns: URL');
    expect(r.checks.find((c) => c.id === `gather:${tls.url}`)?.status).toBe('pass');
    expect(r.checks.find((c) => c.id === `gather:${tls.url}@firefox`)).toMatchObject({ status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true } });
    expect(r.checks.find((c) => c.id === 'call:relay/tls')?.status).toBe('pass');
    // Every other URL: the firewall drops it for both engines alike.
    for (const { ff, cr } of pairs(r).filter((p) => p.ff.target !== tls.url && p.ff.kind === 'gather')) {
      expect(cr?.status, ff.id).toBe('fail');
      expect(ff.status, ff.id).toBe('fail');
    }
    const d = r.findings.filter((f) => f.code === 'ENGINES_DISAGREE');
    expect(d.map((f) => f.checkIds)).toEqual([[`gather:${tls.url}`, `gather:${tls.url}@firefox`]]);
    // That URL was Firefox's only way out of this network: an error, not a lost fallback.
    expect(d[0]?.severity).toBe('error');
    // Chromium's verdict stands as a Chromium-only run has it.
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('ONLY_443_OPEN');
    expect(codes).toContain('UDP_BLOCKED');
  });

  it('dual-stack (the server by name): both engines relay over udp, tcp and tls and agree', { timeout: 120_000 }, async () => {
    const r = await runBoth('dual-stack');
    for (const t of ['udp', 'tcp', 'tls'] as const) {
      expect(r.checks.find((c) => c.id === `call:relay/${t}`)?.status, `chromium ${t}`).toBe('pass');
      const ff = r.checks.find((c) => c.id === `call:relay/${t}@firefox`);
      expect(ff?.status, `firefox ${t}: ${ff?.message}`).toBe('pass');
    }
    for (const { ff, cr } of pairs(r)) expect(ff.status, ff.id).toBe(cr?.status);
    expect(r.findings.map((f) => f.code)).not.toContain('ENGINES_DISAGREE');
  });
});
