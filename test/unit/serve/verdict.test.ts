import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../src/core/redact.js';
import type { Report } from '../../../src/core/schema.js';
import { buildServeReport, judgeGathered, judgeServeCall, planGather, planServeCalls } from '../../../src/services/serve/assemble.js';
import { plainVerdict } from '../../../src/services/serve/verdict.js';
import type { CallResult, GatherResult } from '../../../probes/types.js';
import { judgeMedia } from '../../../src/services/serve/media.js';
import { notRequested, type MediaObservation } from '../../../probes/serve-media.js';
import { callSide, failedSide, gatherResult, spec } from './fixtures.js';

const URLS = { stun: 'stun:t.test:3478', udp: 'turn:t.test:3478?transport=udp', tcp: 'turn:t.test:3478?transport=tcp', tls: 'turns:t.test:443?transport=tcp' };
const servers = [spec(URLS.stun), spec(URLS.udp), spec(URLS.tcp), spec(URLS.tls)];

const timeout = (url: string): GatherResult => ({ ...gatherResult(url, ['host']), ended: 'timeout', durationMs: 5_000 });
const unauthorized = (url: string): GatherResult => ({ ...gatherResult(url, ['host']), errors: [{ errorCode: 401, errorText: 'Unauthorized', url, address: null, port: null, elapsedMs: 20 }] });

/** Runs the real judging pipeline over scripted page observations. */
function visit(gathers: Record<keyof typeof URLS, GatherResult>, calls: (id: string) => { up: CallResult | null; down?: CallResult | null }, partial = false, media?: MediaObservation | null, embedded = false): Report {
  const plan = planGather(servers, 5_000);
  const gathered = judgeGathered(servers, plan, [gathers.stun, gathers.udp, gathers.tcp, gathers.tls]);
  const judged = planServeCalls(servers, gathered.checks).map((p) => {
    const c = calls(p.id);
    const t = p.transport ?? 'udp';
    const ok = (role: CallResult['role']) => callSide({ role, transport: t });
    // The callee received what the caller delivered (its goodput is the figure judged).
    const calleeOf = (x: CallResult) => (x.ok ? { ...ok('callee'), appBytes: x.appBytes, dataMs: x.dataMs } : failedSide(x.failedPhase ?? 'ice', 'callee'));
    const up = { caller: c.up, callee: c.up ? calleeOf(c.up) : null };
    const down = p.policy === 'relay' && c.down !== undefined ? { caller: c.down, callee: c.down ? calleeOf(c.down) : null } : null;
    return judgeServeCall(p, up, down, 2_000);
  });
  return buildServeReport({ startedAt: new Date(0), durationMs: 10, servers, embedded, userAgent: null, gathered, calls: judged, partial, secrets: new Secrets(), tool: { version: 't', node: 'v20', platform: 'x' }, ...(media !== undefined ? { media: judgeMedia(media) } : {}) });
}

const good = (url: string, t: 'udp' | 'tcp' | 'tls' | null) => gatherResult(url, t === null ? ['host', 'srflx'] : ['host', 'srflx', 'relay'], t);
const allGather = { stun: good(URLS.stun, null), udp: good(URLS.udp, 'udp'), tcp: good(URLS.tcp, 'tcp'), tls: good(URLS.tls, 'tls') };
const transportOf = (id: string) => (id === 'all' ? 'udp' : (id.replace('relay-', '') as 'udp' | 'tcp' | 'tls'));

describe('plainVerdict', () => {
  const certRefused = (url: string): GatherResult => ({ ...gatherResult(url, ['host']), errors: [{ errorCode: 701, errorText: 'Failed to establish connection', url, address: null, port: null, elapsedMs: 20 }] });
  const worksBut = { stun: good(URLS.stun, null), udp: good(URLS.udp, 'udp'), tcp: good(URLS.tcp, 'tcp') };
  const up = (id: string) => ({ up: callSide({ transport: transportOf(id) }), down: callSide({ transport: transportOf(id) }) });

  it('serve\'s own server: TURNS refused for its self-signed certificate is the server\'s certificate, never "blocked on your network"', () => {
    const v = plainVerdict(visit({ ...worksBut, tls: certRefused(URLS.tls) }, up, false, undefined, true));
    expect([v.kind, v.tone]).toEqual(['SERVER_CERTIFICATE_ONLY', 'warn']);
    expect(v.working).toEqual([{ transport: 'udp', port: 3478 }, { transport: 'tcp', port: 3478 }]);
    expect(v.headline).toContain('self-signed');
    expect(v.headline).not.toMatch(/blocked on your network/);
  });
  it('an operator\'s server whose certificate the browser refused: also the service\'s certificate', () => {
    const v = plainVerdict(visit({ ...worksBut, tls: certRefused(URLS.tls) }, up));
    expect(v.codes).toContain('TLS_CERT_REJECTED');
    expect(v.kind).toBe('SERVER_CERTIFICATE_ONLY');
  });
  it('TLS silent (no certificate evidence) stays SOME_PATHS_BLOCKED', () => {
    expect(plainVerdict(visit({ ...worksBut, tls: timeout(URLS.tls) }, up)).kind).toBe('SOME_PATHS_BLOCKED');
  });
  it('everything works: READY, good, every relay path listed', () => {
    const r = visit(allGather, (id) => ({ up: callSide({ transport: transportOf(id) }), down: callSide({ transport: transportOf(id) }) }));
    const v = plainVerdict(r);
    expect([v.kind, v.tone]).toEqual(['READY', 'good']);
    expect(v.working).toEqual([{ transport: 'udp', port: 3478 }, { transport: 'tcp', port: 3478 }, { transport: 'tls', port: 443 }]);
    expect(v.lines).toHaveLength(4);
    expect(v.codes).toContain('ALL_GOOD');
  });

  it('UDP blocked, TCP and TLS relay work: UDP_BLOCKED_RELAY_WORKS names the working paths', () => {
    const r = visit({ stun: timeout(URLS.stun), udp: timeout(URLS.udp), tcp: allGather.tcp, tls: allGather.tls }, (id) => ({ up: callSide({ transport: id === 'all' ? 'tcp' : transportOf(id) }), down: callSide() }));
    const v = plainVerdict(r);
    expect([v.kind, v.tone]).toEqual(['UDP_BLOCKED_RELAY_WORKS', 'warn']);
    expect(v.working).toEqual([{ transport: 'tcp', port: 3478 }, { transport: 'tls', port: 443 }]);
    expect(v.headline).toContain('TLS port 443'); // the sentence names the path that works
  });

  it('the TURN server refuses the login: SERVICE_LOGIN_REFUSED (not the visitor\'s network)', () => {
    const r = visit({ stun: allGather.stun, udp: unauthorized(URLS.udp), tcp: unauthorized(URLS.tcp), tls: unauthorized(URLS.tls) }, () => ({ up: failedSide('ice') }));
    const v = plainVerdict(r);
    expect(v.codes).toContain('TURN_AUTH_FAILED');
    expect([v.kind, v.tone]).toEqual(['SERVICE_LOGIN_REFUSED', 'bad']);
  });

  it('nothing answers: NO_CONNECTION', () => {
    const r = visit({ stun: timeout(URLS.stun), udp: timeout(URLS.udp), tcp: timeout(URLS.tcp), tls: timeout(URLS.tls) }, () => ({ up: failedSide('ice') }));
    expect(plainVerdict(r)).toMatchObject({ kind: 'NO_CONNECTION', tone: 'bad', working: [] });
  });

  it('the browser cannot look up the server\'s name: NAME_LOOKUP_FAILED, not "your network blocks it"', () => {
    const lookup = (url: string, what: 'STUN' | 'TURN'): GatherResult => ({
      ...gatherResult(url, ['host']),
      errors: [{ errorCode: 701, errorText: `${what} host lookup received error.`, url, address: null, port: null, elapsedMs: 20 }],
    });
    const r = visit({ stun: lookup(URLS.stun, 'STUN'), udp: lookup(URLS.udp, 'TURN'), tcp: lookup(URLS.tcp, 'TURN'), tls: lookup(URLS.tls, 'TURN') }, () => ({ up: failedSide('ice') }));
    expect(plainVerdict(r)).toMatchObject({ kind: 'NAME_LOOKUP_FAILED', tone: 'bad', working: [] });
    // One URL silent as well: no longer only a lookup problem.
    const mixed = visit({ stun: lookup(URLS.stun, 'STUN'), udp: timeout(URLS.udp), tcp: lookup(URLS.tcp, 'TURN'), tls: lookup(URLS.tls, 'TURN') }, () => ({ up: failedSide('ice') }));
    expect(plainVerdict(mixed).kind).toBe('NO_CONNECTION');
  });

  it('a download that fails makes that path not work', () => {
    const r = visit(allGather, (id) => ({ up: callSide({ transport: transportOf(id) }), down: id === 'relay-udp' ? failedSide('ice') : callSide() }));
    const v = plainVerdict(r);
    expect(v.working.map((w) => w.transport)).toEqual(['tcp', 'tls']);
    expect(v.tone).toBe('warn');
  });

  it('slow but working: SLOW; unfinished: INCOMPLETE', () => {
    const slow = (id: string) => callSide({ transport: transportOf(id), bytes: 100_000, appBytes: 100_000, dataMs: 2_000 });
    expect(plainVerdict(visit(allGather, (id) => ({ up: slow(id), down: slow(id) }))).kind).toBe('SLOW');
    expect(plainVerdict(visit(allGather, (id) => ({ up: callSide({ transport: transportOf(id) }) }), true)).kind).toBe('INCOMPLETE');
  });

  it('is deterministic: the same report gives the same verdict (the page shows what was stored)', () => {
    const r = visit(allGather, (id) => ({ up: callSide({ transport: transportOf(id) }), down: callSide() }));
    expect(plainVerdict(JSON.parse(JSON.stringify(r)) as Report)).toEqual(plainVerdict(r));
  });
});

describe('plainVerdict and the camera/microphone check', () => {
  const secure = { isSecureContext: true, hasGetUserMedia: true };
  const asked = (p: Partial<MediaObservation>): MediaObservation => ({ ...notRequested(secure), requested: true, devices: { audioinput: 1, videoinput: 1, audiooutput: 1 }, ...p });
  const works = (id: string) => ({ up: callSide({ transport: transportOf(id) }), down: callSide({ transport: transportOf(id) }) });

  it('a working camera and microphone: still READY, with a line that says so', () => {
    const v = plainVerdict(visit(allGather, works, false, asked({ granted: true, video: { width: 640, height: 480, frameRate: 20 }, audio: { sampleRate: 48_000, channelCount: 1 }, stoppedAll: true })));
    expect([v.kind, v.tone, v.media]).toEqual(['READY', 'good', { status: 'pass', code: 'MEDIA_OK' }]);
    expect(v.lines).toHaveLength(5);
    expect(v.codes).not.toContain('MEDIA_OK');
  });

  it('not asked / not a secure context: READY, the skip is a line (not a problem)', () => {
    for (const [media, code] of [[notRequested(secure), 'MEDIA_NOT_REQUESTED'], [notRequested({ isSecureContext: false, hasGetUserMedia: false }), 'MEDIA_NOT_SECURE_CONTEXT']] as const) {
      const v = plainVerdict(visit(allGather, works, false, media));
      expect([v.kind, v.tone, v.media]).toEqual(['READY', 'good', { status: 'skip', code }]);
      expect(v.lines).toHaveLength(5);
    }
  });

  it('a good network with a refused or missing camera: MEDIA_PROBLEM (warn), the code for the engineers', () => {
    for (const [p, code] of [
      [{ errorName: 'NotAllowedError' }, 'MEDIA_PERMISSION_DENIED'],
      [{ errorName: 'NotFoundError', devices: { audioinput: 1, videoinput: 0, audiooutput: 1 } }, 'NO_CAMERA'],
      [{ errorName: 'NotReadableError' }, 'MEDIA_DEVICE_BUSY'],
    ] as const) {
      const v = plainVerdict(visit(allGather, works, false, asked(p)));
      expect([v.kind, v.tone, v.media?.code]).toEqual(['MEDIA_PROBLEM', 'warn', code]);
      expect(v.codes).toContain(code);
    }
  });

  it('a network problem keeps its own headline; the media problem is one more line and code', () => {
    const v = plainVerdict(visit({ stun: timeout(URLS.stun), udp: timeout(URLS.udp), tcp: timeout(URLS.tcp), tls: timeout(URLS.tls) }, () => ({ up: failedSide('ice') }), false, asked({ errorName: 'NotAllowedError' })));
    expect([v.kind, v.media?.code]).toEqual(['NO_CONNECTION', 'MEDIA_PERMISSION_DENIED']);
    expect(v.codes).toContain('MEDIA_PERMISSION_DENIED');
  });

  it('a failed media check alone does not make the network verdict PARTLY_FAILED', () => {
    const r = visit(allGather, works, false, asked({ errorName: 'NotAllowedError' }));
    expect(r.summary.status).toBe('fail');
    expect(plainVerdict(r).kind).toBe('MEDIA_PROBLEM');
  });
});
