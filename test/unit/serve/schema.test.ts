import { describe, expect, it } from 'vitest';
import { CalledPost, CallResultSchema, describeIssues, FinishPost, GatheredPost, GatherResultSchema, MediaObservationSchema } from '../../../src/services/serve/schema.js';
import { notRequested, type MediaObservation } from '../../../probes/serve-media.js';
import { callSide, gatherResult } from './fixtures.js';

const SESSION = '0123456789abcdef0123456789abcdef';

describe('serve post schemas', () => {
  it('accept what the page really sends', () => {
    const g = gatherResult('turn:t.test:3478?transport=udp', ['host', 'srflx', 'relay'], 'udp');
    expect(GatherResultSchema.parse(g)).toEqual(g);
    expect(CallResultSchema.parse(callSide())).toEqual(callSide());
    expect(GatheredPost.safeParse({ session: SESSION, results: [g] }).success).toBe(true);
    expect(CalledPost.safeParse({ session: SESSION, call: 'relay-udp', direction: 'up', result: callSide({ media: { videoBytesSent: 10, qualityLimitationReason: 'none', framesPerSecond: null } }) }).success).toBe(true);
  });

  it('reject tampered observations, naming the path', () => {
    const g = gatherResult('stun:s.test', ['host', 'srflx']) as unknown as { candidates: Record<string, unknown>[] };
    (g.candidates[1] as Record<string, unknown>).port = 'lots';
    const r = GatheredPost.safeParse({ session: SESSION, results: [g] });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toMatch(/^results\[0\]\.candidates\[1\]\.port: /);

    const bad = [
      { ...callSide(), bytes: -1 },
      { ...callSide(), bytes: Number.POSITIVE_INFINITY },
      { ...callSide(), role: 'admin' },
      { ...callSide(), samples: Array.from({ length: 2_001 }, () => ({ atMs: 1, bitsPerSecond: 1, rttMs: null })) },
      { ...callSide(), error: 'x'.repeat(5_000) },
      { ...callSide(), media: { nested: { deep: true } } },
    ];
    for (const b of bad) expect(CallResultSchema.safeParse(b).success).toBe(false);
  });

  it('reject unknown keys, bad session ids and call ids in the envelopes', () => {
    expect(GatheredPost.safeParse({ session: SESSION, results: [], extra: 1 }).success).toBe(false);
    expect(GatheredPost.safeParse({ session: '../../etc', results: [] }).success).toBe(false);
    expect(CalledPost.safeParse({ session: SESSION, call: 'Relay UDP', direction: 'up', result: callSide() }).success).toBe(false);
    expect(CalledPost.safeParse({ session: SESSION, call: 'relay-udp', direction: 'sideways', result: callSide() }).success).toBe(false);
  });
});

describe('the media observation in /api/finish', () => {
  const granted: MediaObservation = {
    ...notRequested({ isSecureContext: true, hasGetUserMedia: true }),
    requested: true,
    granted: true,
    devices: { audioinput: 1, videoinput: 1, audiooutput: 1 },
    video: { width: 640, height: 480, frameRate: 20 },
    audio: { sampleRate: 48_000, channelCount: 1 },
    stoppedAll: true,
    durationMs: 420,
  };

  it('accepts what the page sends (granted, refused, not asked) and a finish without it', () => {
    expect(MediaObservationSchema.parse(granted)).toEqual(granted);
    expect(FinishPost.safeParse({ session: SESSION, media: { ...granted, granted: false, errorName: 'NotAllowedError', video: null, audio: null, stoppedAll: null } }).success).toBe(true);
    expect(FinishPost.safeParse({ session: SESSION, media: notRequested({ isSecureContext: false, hasGetUserMedia: false }) }).success).toBe(true);
    expect(FinishPost.safeParse({ session: SESSION }).success).toBe(true);
  });

  it('rejects tampered, unbounded or impossible observations, naming the path', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...granted, errorName: '<script>' }, /^media\.errorName: /],
      [{ ...granted, devices: { audioinput: 1e9, videoinput: 1, audiooutput: 0 } }, /^media\.devices\.audioinput: /],
      [{ ...granted, video: { width: 640, height: 480, frameRate: 20, label: 'FaceTime HD' } }, /^media\.video: /],
      [{ ...granted, deviceLabels: ['Logitech'] }, /^media: /],
      [{ ...granted, errorName: 'NotAllowedError' }, /^media\.errorName: /],
      [{ ...granted, requested: false }, /^media\.requested: /],
      [{ ...granted, secureContext: false }, /^media\.requested: /],
      [{ ...granted, durationMs: -1 }, /^media\.durationMs: /],
    ];
    for (const [media, path] of bad) {
      const r = FinishPost.safeParse({ session: SESSION, media });
      expect(r.success, JSON.stringify(media)).toBe(false);
      if (!r.success) expect(describeIssues(r.error)).toMatch(path);
    }
  });
});
