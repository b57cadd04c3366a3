/**
 * Several browser engines in one report (--browser all): the id rule, the config option, the
 * engine-specific gather judging (what Firefox 153 was measured to do), the one-engine view the
 * ordinary rules get, and ENGINES_DISAGREE with its likely cause.
 */
import { describe, expect, it } from 'vitest';
import { engineId, parseEngineId, parseDualStackId } from '../../src/core/ids.js';
import { resolveBrowsers, resolveConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { browserRefusal, browserUsable, judgeGather } from '../../src/browser/gather.js';
import { parseIceUri } from '../../src/core/uri.js';
import type { ServerSpec } from '../../src/config/config.js';
import type { GatherResult, PageCandidate } from '../../probes/types.js';
import { diagnose } from '../../src/diagnosis/index.js';
import { primaryEngineView, enginesIn } from '../../src/diagnosis/engine-view.js';
import { labelCall, labelCandidate, labelCheck } from '../../src/run/engines.js';
import { buildMatrix, matrixColumns } from '../../reports/model.js';
import { familySuffix } from '../../reports/family.js';
import type { Check, Report } from '../../src/core/schema.js';
import { load, PROD, LAB } from './diagnosis/helpers.js';

function spec(url: string): ServerSpec {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return { url, uri: r.uri, username: r.uri.isTurn ? 'u' : null, credential: r.uri.isTurn ? 'pw' : null, credentialSource: r.uri.isTurn ? 'given' : 'none', origin: 'test' };
}
const cand = (type: PageCandidate['type'], relayProtocol: PageCandidate['relayProtocol'] = null): PageCandidate => ({
  type, protocol: 'udp', relayProtocol, address: '198.18.0.1', port: 5000, relatedAddress: null, relatedPort: null, priority: 1, foundation: '1', elapsedMs: 10, url: null,
});
const result = (p: Partial<GatherResult>): GatherResult => ({ url: 'x', candidates: [], errors: [], ended: 'complete', durationMs: 30, firstMs: {}, userAgent: 'ua', setupError: null, ...p });

describe('engine ids', () => {
  it('keeps Chromium ids and suffixes Firefox ones, reversibly', () => {
    expect(engineId('gather:turn:h.test:3478?transport=udp', 'chromium')).toBe('gather:turn:h.test:3478?transport=udp');
    expect(engineId('call:relay/tls', 'firefox')).toBe('call:relay/tls@firefox');
    expect(parseEngineId('call:relay/tls@firefox')).toEqual({ primary: 'call:relay/tls', engine: 'firefox' });
    expect(parseEngineId('call:relay/tls')).toEqual({ primary: 'call:relay/tls', engine: 'chromium' });
    // Never mistaken for a dual-stack twin, and a twin is never mistaken for an engine.
    expect(parseDualStackId('call:relay/tls@firefox')).toBeNull();
    expect(parseEngineId('turn-allocate:turn:h.test:3478@ipv6').engine).toBe('chromium');
  });

  it('labels a Firefox check, its candidates and its call entry; Chromium\'s stay as they are', () => {
    const c: Check = { id: 'gather:stun:h.test:3478', kind: 'gather', target: 'stun:h.test:3478', transport: 'udp', status: 'pass', code: 'OK', durationMs: 1, details: {} };
    expect(labelCheck(c, 'chromium')).toBe(c);
    expect(labelCheck(c, 'firefox')).toMatchObject({ id: 'gather:stun:h.test:3478@firefox', details: { engine: 'firefox' } });
    const k = { url: 'stun:h.test:3478', checkId: c.id, type: 'host', protocol: 'udp', relayProtocol: null, address: null, port: 1, priority: 1, foundation: '1', elapsedMs: 1 } as const;
    expect(labelCandidate(k, 'firefox').checkId).toBe('gather:stun:h.test:3478@firefox');
    const call = load('healthy').calls?.[0];
    if (!call) throw new Error('fixture has calls');
    expect(labelCall(call, 'firefox')).toMatchObject({ id: `${call.id}@firefox`, checkId: `${call.checkId}@firefox` });
  });
});

describe('--browser', () => {
  it.each([
    [undefined, ['chromium']],
    ['chromium', ['chromium']],
    ['firefox', ['firefox']],
    ['all', ['chromium', 'firefox']],
    [['firefox', 'chromium', 'firefox'], ['chromium', 'firefox']],
  ] as const)('%j → %j', (v, want) => {
    const problems: string[] = [];
    expect(resolveBrowsers(v, problems)).toEqual(want);
    expect(problems).toEqual([]);
  });

  it('an unknown engine is a config problem naming the choices', () => {
    expect(() => resolveConfig({ urls: ['stun:h.test'], browsers: 'safari' as 'all', env: {} })).toThrow(ConfigError);
    expect(resolveConfig({ urls: ['stun:h.test'], browsers: 'all', env: {} }).browsers).toEqual(['chromium', 'firefox']);
    expect(resolveConfig({ urls: ['stun:h.test'], env: {} }).browsers).toEqual(['chromium']);
    expect(resolveConfig({ urls: ['stun:h.test'], env: { ICEPROBE_FIREFOX: '/opt/ff' } }).firefoxPath).toBe('/opt/ff');
  });
});

describe('engine-specific gather judging', () => {
  it('Chromium\'s TURN port rule is Chromium\'s only', () => {
    const s = spec('turn:t.test:81?transport=udp');
    expect(browserRefusal(s, 'chromium')?.code).toBe('PORT_BLOCKED_BY_BROWSER');
    expect(browserRefusal(s, 'firefox')).toBeNull();
    expect(browserUsable(s, 'chromium')).toBe(false);
    expect(browserUsable(s, 'firefox')).toBe(true);
    // stuns: is refused by both (Firefox throws on it, Chromium ignores it).
    expect(browserRefusal(spec('stuns:t.test:443'), 'firefox')?.code).toBe('UNSUPPORTED_BY_BROWSER');
  });

  it('Firefox ignoring a turns: URL to an IP address is UNSUPPORTED_BY_BROWSER, not a dead server', () => {
    const s = spec(LAB.tls);
    const ff = judgeGather(s, result({ candidates: [cand('host')] }), 5000, 'firefox');
    expect(ff.check).toMatchObject({ status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true } });
    // The same observation from Chromium, or for a name, is no relay at all.
    expect(judgeGather(s, result({ candidates: [cand('host')] }), 5000, 'chromium').check.code).toBe('NO_RELAY_CANDIDATE');
    expect(judgeGather(spec(PROD.tls), result({ candidates: [cand('host')] }), 5000, 'firefox').check.code).toBe('NO_RELAY_CANDIDATE');
    // A relay (or an error event) means Firefox did try: judged as usual.
    expect(judgeGather(s, result({ candidates: [cand('relay', 'tls')] }), 5000, 'firefox').check.status).toBe('pass');
    expect(judgeGather(s, result({ errors: [{ errorCode: 701, errorText: '', url: null, address: null, port: null, elapsedMs: 5 }] }), 5000, 'firefox').check.code).toBe('TLS_CERT_REJECTED');
  });

  it('Firefox\'s blocked-port error is PORT_BLOCKED_BY_BROWSER with the port', () => {
    const s = spec('turn:t.test:5060?transport=udp');
    const v = judgeGather(s, result({ setupError: "PeerConnectionImpl.setConfiguration: 'turn:t.test:5060?transport=udp' uses a port that is blocked" }), 5000, 'firefox');
    expect(v.check).toMatchObject({ status: 'fail', code: 'PORT_BLOCKED_BY_BROWSER', details: { port: 5060 } });
  });
});

/** `healthy` with Firefox's copies of its browser checks (same outcome unless patched). */
function withFirefox(r: Report, patch: Record<string, Partial<Check>> = {}): Report {
  const copies = r.checks
    .filter((c) => (c.kind === 'gather' && c.id !== 'gather:all') || (c.kind === 'call' && c.id !== 'call:all'))
    .map((c) => ({ ...labelCheck(c, 'firefox'), ...(patch[c.id] ?? {}) }));
  r.checks.push(...copies);
  r.calls = [...(r.calls ?? []), ...(r.calls ?? []).filter((c) => c.policy === 'relay').map((c) => labelCall(c, 'firefox'))];
  r.candidates = [...r.candidates, ...r.candidates.map((c) => labelCandidate(c, 'firefox'))];
  return r;
}

const codes = (r: Report) => diagnose(r).map((f) => f.code);

describe('ENGINES_DISAGREE', () => {
  it('engines that agree add nothing: the healthy report stays ALL_GOOD', () => {
    const r = withFirefox(load('healthy'));
    expect(enginesIn(r)).toEqual(['chromium', 'firefox']);
    expect(codes(r)).toEqual(['ALL_GOOD']);
    // Each transport once, both engines named.
    expect(diagnose(r)[0]?.message).toMatch(/over udp, tcp, tls in Chromium and Firefox\.$/);
  });

  it('Chromium relays over TLS, Firefox ignores the IP-literal turns: URL: a warning naming that cause', () => {
    const r = withFirefox(load('udp-blocked'), {
      [`gather:${LAB.tls}`]: { status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true, engine: 'firefox' } },
    });
    const f = diagnose(r).filter((x) => x.code === 'ENGINES_DISAGREE');
    expect(f).toHaveLength(1);
    // udp-blocked: Firefox still relays over TCP, so the lost TLS path is a warning.
    expect(f[0]).toMatchObject({ severity: 'warn', checkIds: [`gather:${LAB.tls}`, `gather:${LAB.tls}@firefox`] });
    expect(f[0]?.message).toMatch(/IP/);
    // The transport diagnosis is Chromium's and is not repeated or changed by Firefox's copies.
    const udp = diagnose(r).find((x) => x.code === 'UDP_BLOCKED');
    expect(udp?.checkIds.some((id) => id.endsWith('@firefox'))).toBe(false);
    // And Chromium's own UNSUPPORTED_BY_BROWSER (stuns:) finding does not fire for Firefox's warning.
    expect(codes(r)).not.toContain('UNSUPPORTED_BY_BROWSER');
  });

  it('when that TLS URL was Firefox\'s only way to a relay, it is an error saying so', () => {
    const r = load('tcp-443-only');
    const tls = r.servers.find((s) => s.scheme === 'turns')?.url ?? '';
    withFirefox(r, { [`gather:${tls}`]: { status: 'warn', code: 'UNSUPPORTED_BY_BROWSER', details: { ipLiteralTls: true, engine: 'firefox' } } });
    const f = diagnose(r).find((x) => x.code === 'ENGINES_DISAGREE');
    expect(f).toMatchObject({ severity: 'error', checkIds: [`gather:${tls}`, `gather:${tls}@firefox`] });
    expect(f?.message).toMatch(/every relay/);
  });

  it('a relay call that fails only in Firefox is an error, with the phase', () => {
    const r = withFirefox(load('healthy'), { 'call:relay/udp': { status: 'fail', code: 'RELAY_CALL_FAILED', details: { failedPhase: 'ice' } } });
    const f = diagnose(r).find((x) => x.code === 'ENGINES_DISAGREE');
    expect(f).toMatchObject({ severity: 'error', checkIds: ['call:relay/udp', 'call:relay/udp@firefox'] });
    expect(f?.message).toContain('"ice"');
    expect(codes(r)).not.toContain('ALL_GOOD');
  });

  it.each([
    ['a certificate only Chromium accepts', `gather:${PROD.tls}`, { status: 'fail', code: 'TLS_CERT_REJECTED', details: {} }, /NSS/],
    ['a port on Firefox\'s bad-port list', `gather:${PROD.udp}`, { status: 'fail', code: 'PORT_BLOCKED_BY_BROWSER', details: { port: 5060 } }, /bad ports/],
    ['anything else', `gather:${PROD.tcp}`, { status: 'fail', code: 'GATHER_TIMEOUT', details: {} }, /client/],
  ] as const)('names the cause for %s', (_name, id, patch, cause) => {
    const r = withFirefox(load('healthy'), { [id]: patch });
    const f = diagnose(r).find((x) => x.code === 'ENGINES_DISAGREE');
    expect(f?.checkIds).toEqual([id, `${id}@firefox`]);
    expect(f?.message).toMatch(cause);
  });

  it('works the other way round: Chromium refuses a port Firefox uses', () => {
    const r = withFirefox(load('healthy'));
    const id = `gather:${PROD.udp}`;
    Object.assign(r.checks.find((c) => c.id === id) ?? {}, { status: 'fail', code: 'PORT_BLOCKED_BY_BROWSER', details: { port: 81 } });
    const f = diagnose(r).find((x) => x.code === 'ENGINES_DISAGREE');
    expect(f?.message).toMatch(/Chromium allows TURN only on ports 53, 80, 443/);
  });
});

describe('a Firefox-only report', () => {
  it('gets the ordinary rules, citing its own @firefox ids', () => {
    const r = load('wrong-credentials');
    const ff = { ...r, checks: r.checks.map((c) => (c.kind === 'gather' || c.kind === 'call' ? labelCheck(c, 'firefox') : c)) };
    expect(enginesIn(ff)).toEqual(['firefox']);
    expect(primaryEngineView(ff).view.checks.some((c) => c.id.endsWith('@firefox'))).toBe(false);
    const want = diagnose(r).map((f) => f.code);
    const got = diagnose(ff);
    expect(got.map((f) => f.code)).toEqual(want);
    const auth = got.find((f) => f.code === 'TURN_AUTH_FAILED');
    expect(auth?.checkIds).toContain(`gather:${LAB.udp}@firefox`);
    expect(auth?.checkIds).not.toContain(`gather:${LAB.udp}`);
  });
});

describe('reports', () => {
  it('label Firefox rows and give Firefox its own matrix columns', () => {
    const r = withFirefox(load('healthy'));
    expect(familySuffix({ id: 'call:relay/udp@firefox' })).toBe(' (Firefox)');
    expect(familySuffix({ id: 'call:relay/udp' })).toBe('');
    const m = buildMatrix({ ...r, findings: diagnose(r) });
    const tls = m.find((row) => row.url === PROD.tls);
    expect(tls?.cells['gather'].checks.map((c) => c.id)).toEqual([`gather:${PROD.tls}`]);
    expect(tls?.cells['gather-firefox'].checks.map((c) => c.id)).toEqual([`gather:${PROD.tls}@firefox`]);
    expect(tls?.cells['call-firefox'].checks.map((c) => c.id)).toEqual(['call:relay/tls@firefox']);
    expect(matrixColumns(m).map((c) => c.key)).toContain('gather-firefox');
    // A Chromium-only report shows no Firefox column.
    expect(matrixColumns(buildMatrix(load('healthy'))).map((c) => c.key)).not.toContain('gather-firefox');
  });
});
