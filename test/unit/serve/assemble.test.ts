import { describe, expect, it } from 'vitest';
import { CheckCode } from '../../../src/core/codes.js';
import { Secrets } from '../../../src/core/redact.js';
import { Call, Report } from '../../../src/core/schema.js';
import { browserFromUserAgent, buildServeReport, judgeGathered, judgeServeCall, ObservationMismatch, planGather, planServeCalls } from '../../../src/services/serve/assemble.js';
import { judgeMedia } from '../../../src/services/serve/media.js';
import { callSide, failedSide, gatherResult, spec, UA } from './fixtures.js';

const tool = { version: '0.0.0-test', node: 'v20', platform: 'linux-x64' };

describe('planGather', () => {
  it('one spec per usable URL with its credentials, static checks for what Chromium refuses, and gather:all for two UDP destinations', () => {
    const servers = [spec('stun:a.test:3478'), spec('turn:b.test:3478?transport=udp'), spec('turn:b.test:22?transport=tcp'), spec('stuns:a.test:5349')];
    const plan = planGather(servers, 4_000);
    expect(plan.specs.map((s) => s.url)).toEqual(['stun:a.test:3478', 'turn:b.test:3478?transport=udp', 'gather:all']);
    expect(plan.specs[1]).toMatchObject({ username: 'alice', credential: 'static-pass-1', timeoutMs: 4_000 });
    expect(plan.specs[0]).not.toHaveProperty('credential');
    expect(plan.specs[2]?.iceServers?.map((s) => s.urls)).toEqual(['stun:a.test:3478', 'turn:b.test:3478?transport=udp']);
    expect(plan.staticChecks.map((c) => [c.id, c.code])).toEqual([
      ['gather:turn:b.test:22?transport=tcp', CheckCode.PORT_BLOCKED_BY_BROWSER],
      ['gather:stuns:a.test:5349', CheckCode.UNSUPPORTED_BY_BROWSER],
    ]);
  });
});

describe('judgeGathered', () => {
  const servers = [spec('stun:a.test'), spec('turn:a.test?transport=udp')];
  const plan = planGather(servers, 5_000);

  it('judges each result with the CLI\'s judgeGather', () => {
    const out = judgeGathered(servers, plan, [gatherResult('stun:a.test:3478', ['host', 'srflx']), gatherResult('turn:a.test:3478?transport=udp', ['host'])]);
    expect(out.checks.map((c) => [c.id, c.status, c.code])).toEqual([
      ['gather:stun:a.test:3478', 'pass', CheckCode.OK],
      ['gather:turn:a.test:3478?transport=udp', 'fail', CheckCode.NO_RELAY_CANDIDATE],
    ]);
    expect(out.candidates.filter((c) => c.type === 'srflx')).toHaveLength(1);
  });

  it('refuses a post whose results do not match the plan (count or URL)', () => {
    expect(() => judgeGathered(servers, plan, [gatherResult('stun:a.test:3478', ['host'])])).toThrow(ObservationMismatch);
    expect(() => judgeGathered(servers, plan, [gatherResult('turn:a.test:3478?transport=udp', ['host']), gatherResult('stun:a.test:3478', ['host'])])).toThrow(ObservationMismatch);
  });
});

describe('judgeServeCall', () => {
  const servers = [spec('turn:a.test?transport=udp')];
  const gathered = judgeGathered(servers, planGather(servers, 5_000), [gatherResult('turn:a.test:3478?transport=udp', ['host', 'relay'], 'udp')]);
  const [relay] = planServeCalls(servers, gathered.checks);
  if (!relay) throw new Error('no plan');

  it('upload is the call entry; download is its `download`, summarised in details.download', () => {
    const r = judgeServeCall(relay, { caller: callSide(), callee: callSide({ role: 'callee' }) }, { caller: callSide({ bytes: 15_000_000 }), callee: callSide({ role: 'callee', appBytes: 7_250_000 }) }, 2_000);
    expect(r.check).toMatchObject({ id: 'call:relay/udp', status: 'pass', code: CheckCode.OK });
    // Each direction's headline is what its receiver got (29 MB in 2 s up, 7.25 MB down), not what its sender counted.
    expect(r.call.throughput).toMatchObject({ bitsPerSecond: 116_000_000, sentBitsPerSecond: 120_000_000 });
    expect(r.call.download).toMatchObject({ status: 'pass', code: CheckCode.OK, failedPhase: null, throughput: { bitsPerSecond: 29_000_000, sentBitsPerSecond: 60_000_000 } });
    expect(r.check.details.download).toMatchObject({ status: 'pass', bitsPerSecond: 29_000_000 });
    expect(Call.safeParse(r.call).success).toBe(true);
  });

  it('a failed download fails a relay call whose upload passed', () => {
    const r = judgeServeCall(relay, { caller: callSide(), callee: callSide({ role: 'callee' }) }, { caller: failedSide('ice'), callee: failedSide('ice', 'callee') }, 2_000);
    expect([r.check.status, r.check.code, r.call.status, r.call.code, r.call.failedPhase]).toEqual(['fail', CheckCode.RELAY_CALL_FAILED, 'fail', CheckCode.RELAY_CALL_FAILED, 'ice']);
    expect(r.call.download).toMatchObject({ status: 'fail', failedPhase: 'ice', throughput: null });
  });

  it('a call the page never reported fails; a planned skip stays a skip', () => {
    expect(judgeServeCall(relay, { caller: null, callee: callSide({ role: 'callee' }) }, null, 2_000).check).toMatchObject({ status: 'fail', code: CheckCode.RELAY_CALL_FAILED });
    expect(judgeServeCall({ ...relay, skip: 'no relay' }, { caller: null, callee: null }, null, 2_000).check).toMatchObject({ status: 'skip', code: CheckCode.SKIPPED });
  });
});

describe('buildServeReport', () => {
  it('is a valid Report with config checks, diagnosis and summary, and no credential in it', () => {
    const servers = [spec('stun:a.test'), spec('turn:a.test?transport=udp', 'pw-visit-9f3a')];
    const plan = planGather(servers, 5_000);
    const gathered = judgeGathered(servers, plan, [gatherResult('stun:a.test:3478', ['host', 'srflx']), gatherResult('turn:a.test:3478?transport=udp', ['host', 'relay'], 'udp')]);
    const plans = planServeCalls(servers, gathered.checks);
    const calls = plans.map((p) => judgeServeCall(p, { caller: callSide(), callee: callSide({ role: 'callee' }) }, null, 2_000));
    const secrets = new Secrets();
    secrets.add('pw-visit-9f3a');
    const gatheredWithLeak = { ...gathered, checks: gathered.checks.map((c, i) => (i === 0 ? { ...c, message: 'echo pw-visit-9f3a' } : c)) };
    const r = buildServeReport({ startedAt: new Date(0), durationMs: 1234.4, servers, embedded: false, userAgent: UA, gathered: gatheredWithLeak, calls, partial: false, secrets, tool });
    expect(Report.safeParse(r).success).toBe(true);
    expect(JSON.stringify(r)).not.toContain('pw-visit-9f3a');
    expect(r.checks.some((c) => c.kind === 'config')).toBe(true);
    expect(r.calls?.map((c) => c.id)).toEqual(['relay-udp', 'all']);
    expect(r.environment.browser).toEqual({ name: 'chrome', version: '156.0.0.0' });
    expect(r.servers.map((s) => s.credential)).toEqual(['none', 'given']);
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.durationMs).toBe(1234);

    const embedded = buildServeReport({ startedAt: new Date(0), durationMs: 1, servers, embedded: true, userAgent: null, gathered, calls, partial: true, secrets, tool });
    expect(embedded.checks.some((c) => c.kind === 'config')).toBe(false);
    expect(embedded.partial).toBe(true);
    expect(embedded.environment.browser).toBeNull();
    expect(embedded.origin).toBeUndefined();
  });

  it('carries the origin (result id, User-Agent cut to 512) and the media check, still schema-valid', () => {
    const servers = [spec('stun:a.test')];
    const plan = planGather(servers, 5_000);
    const gathered = judgeGathered(servers, plan, [gatherResult('stun:a.test:3478', ['host', 'srflx'])]);
    const calls = planServeCalls(servers, gathered.checks).map((p) => judgeServeCall(p, { caller: callSide(), callee: callSide({ role: 'callee' }) }, null, 2_000));
    const longUa = `${UA} ${'x'.repeat(1_000)}`;
    const r = buildServeReport({
      startedAt: new Date(0), durationMs: 1, servers, embedded: false, userAgent: UA, gathered, calls, partial: false, secrets: new Secrets(), tool,
      media: judgeMedia(null),
      origin: { resultId: 'abcdefghjk', userAgent: longUa },
    });
    expect(Report.safeParse(r).success).toBe(true);
    expect(r.origin).toEqual({ kind: 'serve', resultId: 'abcdefghjk', userAgent: longUa.slice(0, 512) });
    expect(r.checks.filter((c) => c.kind === 'media').map((c) => [c.id, c.status, c.code])).toEqual([['media', 'skip', CheckCode.MEDIA_NOT_REQUESTED]]);
    expect(r.summary.skipped).toBeGreaterThanOrEqual(1);
    const noUa = buildServeReport({ startedAt: new Date(0), durationMs: 1, servers, embedded: false, userAgent: null, gathered, calls, partial: false, secrets: new Secrets(), tool, origin: { resultId: 'abcdefghjk', userAgent: null } });
    expect(noUa.origin).toEqual({ kind: 'serve', resultId: 'abcdefghjk', userAgent: null });
  });
});

describe('browserFromUserAgent', () => {
  it('names the common browsers', () => {
    expect(browserFromUserAgent(UA)).toEqual({ name: 'chrome', version: '156.0.0.0' });
    expect(browserFromUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toEqual({ name: 'firefox', version: '128.0' });
    expect(browserFromUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toEqual({ name: 'safari', version: '17.0' });
    expect(browserFromUserAgent('Mozilla/5.0 Chrome/126.0 Safari/537.36 Edg/126.0.1')).toEqual({ name: 'edge', version: '126.0.1' });
    expect(browserFromUserAgent('curl')).toEqual({ name: 'browser', version: 'curl' });
  });
});
