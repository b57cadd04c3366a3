import { describe, expect, it } from 'vitest';
import { CheckCode } from '../../../src/core/codes.js';
import { Check } from '../../../src/core/schema.js';
import { judgeMedia, mediaErrorCode } from '../../../src/services/serve/media.js';
import { countDevices, mediaAvailability, notRequested, probeMedia, type MediaDevicesLike, type MediaTrackLike } from '../../../probes/serve-media.js';

/** Scripted devices: what a browser would answer, with a manual clock and timers (no sleeping). */
function fakeDevices(opts: { answer: 'grant' | { name: string; constraint?: string } | 'never'; devices?: { kind: string; deviceId: string }[] }) {
  const tracks: (MediaTrackLike & { stopped: number })[] = [];
  const calls: { audio: boolean; video: boolean }[] = [];
  let grantLater: (() => void) | null = null;
  const makeTrack = (kind: string, settings: ReturnType<MediaTrackLike['getSettings']>) => {
    const t = {
      kind,
      readyState: 'live',
      stopped: 0,
      getSettings: () => settings,
      stop() {
        t.stopped++;
        t.readyState = 'ended';
      },
    };
    tracks.push(t);
    return t;
  };
  const stream = () => ({ getTracks: () => [makeTrack('audio', { sampleRate: 48_000, channelCount: 1 }), makeTrack('video', { width: 640, height: 480, frameRate: 20 })] });
  const md: MediaDevicesLike = {
    getUserMedia(c) {
      calls.push(c);
      if (opts.answer === 'grant') return Promise.resolve(stream());
      if (opts.answer === 'never') return new Promise((resolve) => (grantLater = () => resolve(stream())));
      const e = Object.assign(new Error('refused'), { name: opts.answer.name, constraint: opts.answer.constraint });
      return Promise.reject(e);
    },
    enumerateDevices: () => Promise.resolve(opts.devices ?? [
      { kind: 'audioinput', deviceId: 'default' },
      { kind: 'audioinput', deviceId: 'communications' },
      { kind: 'audioinput', deviceId: 'a1' },
      { kind: 'videoinput', deviceId: 'v1' },
      { kind: 'audiooutput', deviceId: 'default' },
      { kind: 'audiooutput', deviceId: 'o1' },
    ]),
  };
  const timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  let clock = 1_000;
  const env = {
    now: () => clock,
    timeoutMs: 60_000,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, at: clock + ms, cancelled: false };
      timers.push(t);
      return () => void (t.cancelled = true);
    },
  };
  const advance = (ms: number) => {
    clock += ms;
    for (const t of timers) if (!t.cancelled && t.at <= clock) { t.cancelled = true; t.fn(); }
  };
  return { md, tracks, calls, env, advance, grantLater: () => grantLater?.() };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('mediaAvailability (the page decides what to offer)', () => {
  it('offers only in a secure context with getUserMedia', () => {
    expect(mediaAvailability({ isSecureContext: true, hasGetUserMedia: true })).toBe('offer');
    expect(mediaAvailability({ isSecureContext: false, hasGetUserMedia: false })).toBe('not-secure');
    // Not secure wins even if a browser exposed the API: it would refuse anyway.
    expect(mediaAvailability({ isSecureContext: false, hasGetUserMedia: true })).toBe('not-secure');
    expect(mediaAvailability({ isSecureContext: true, hasGetUserMedia: false })).toBe('unsupported');
  });
});

describe('countDevices', () => {
  it('does not count the virtual default/communications entries; counts the pre-permission blank ids', () => {
    expect(countDevices([{ kind: 'audioinput', deviceId: 'default' }, { kind: 'audioinput', deviceId: 'x' }, { kind: 'videoinput', deviceId: '' }])).toEqual({ audioinput: 1, videoinput: 1, audiooutput: 0 });
    expect(countDevices([])).toEqual({ audioinput: 0, videoinput: 0, audiooutput: 0 });
  });
});

describe('probeMedia', () => {
  it('granted: asks once for audio+video, reads settings, stops every track at once, lists devices', async () => {
    const f = fakeDevices({ answer: 'grant' });
    const obs = await probeMedia(f.md, { isSecureContext: true }, f.env);
    expect(f.calls).toEqual([{ audio: true, video: true }]);
    expect(f.tracks.map((t) => [t.kind, t.stopped, t.readyState])).toEqual([['audio', 1, 'ended'], ['video', 1, 'ended']]);
    expect(obs).toMatchObject({ requested: true, granted: true, errorName: null, stoppedAll: true, video: { width: 640, height: 480, frameRate: 20 }, audio: { sampleRate: 48_000, channelCount: 1 }, devices: { audioinput: 1, videoinput: 1, audiooutput: 1 } });
    expect(judgeMedia(obs).code).toBe(CheckCode.MEDIA_OK);
  });

  it('refused: keeps the DOMException name (and an OverconstrainedError constraint)', async () => {
    const denied = fakeDevices({ answer: { name: 'NotAllowedError' } });
    const obs = await probeMedia(denied.md, { isSecureContext: true }, denied.env);
    expect(obs).toMatchObject({ granted: false, errorName: 'NotAllowedError', constraint: null, stoppedAll: null });
    const over = fakeDevices({ answer: { name: 'OverconstrainedError', constraint: 'width' } });
    expect(await probeMedia(over.md, { isSecureContext: true }, over.env)).toMatchObject({ errorName: 'OverconstrainedError', constraint: 'width' });
  });

  it('an unanswered prompt ends at the bound as TimeoutError; a stream granted later is stopped at once', async () => {
    const f = fakeDevices({ answer: 'never' });
    const p = probeMedia(f.md, { isSecureContext: true }, f.env);
    await flush();
    f.advance(59_999);
    await flush();
    let done = false;
    void p.then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    f.advance(1);
    const obs = await p;
    expect(obs).toMatchObject({ granted: false, errorName: 'TimeoutError', durationMs: 60_000 });
    expect(judgeMedia(obs)).toMatchObject({ status: 'warn', code: CheckCode.MEDIA_NO_ANSWER });
    f.grantLater();
    await flush();
    expect(f.tracks.length).toBe(2);
    expect(f.tracks.every((t) => t.readyState === 'ended')).toBe(true);
  });
});

describe('mediaErrorCode', () => {
  const both = { audioinput: 1, videoinput: 1, audiooutput: 1 };
  it.each([
    ['NotAllowedError', both, CheckCode.MEDIA_PERMISSION_DENIED],
    ['SecurityError', both, CheckCode.MEDIA_PERMISSION_DENIED],
    ['NotReadableError', both, CheckCode.MEDIA_DEVICE_BUSY],
    ['AbortError', both, CheckCode.MEDIA_DEVICE_BUSY],
    ['OverconstrainedError', both, CheckCode.MEDIA_OVERCONSTRAINED],
    ['TimeoutError', both, CheckCode.MEDIA_NO_ANSWER],
    ['NotFoundError', { audioinput: 1, videoinput: 0, audiooutput: 0 }, CheckCode.NO_CAMERA],
    ['NotFoundError', { audioinput: 0, videoinput: 2, audiooutput: 0 }, CheckCode.NO_MICROPHONE],
    ['NotFoundError', { audioinput: 0, videoinput: 0, audiooutput: 0 }, CheckCode.NO_MEDIA_DEVICES],
    ['NotFoundError', null, CheckCode.NO_MEDIA_DEVICES],
    ['NotFoundError', both, CheckCode.MEDIA_ERROR],
    ['TypeError', both, CheckCode.MEDIA_ERROR],
  ] as const)('%s with %j → %s', (name, devices, code) => {
    expect(mediaErrorCode(name, devices)).toBe(code);
  });
});

describe('judgeMedia', () => {
  const secure = { isSecureContext: true, hasGetUserMedia: true };
  it('always gives one schema-valid media check', () => {
    for (const obs of [null, undefined, notRequested(secure), notRequested({ isSecureContext: false, hasGetUserMedia: false })]) {
      const c = judgeMedia(obs);
      expect(Check.parse(c)).toEqual(c);
      expect([c.id, c.kind, c.status]).toEqual(['media', 'media', 'skip']);
    }
  });

  it('skips say why: not asked, not reported, not a secure context, no API', () => {
    expect(judgeMedia(notRequested(secure)).code).toBe(CheckCode.MEDIA_NOT_REQUESTED);
    expect(judgeMedia(undefined)).toMatchObject({ code: CheckCode.MEDIA_NOT_REQUESTED, details: { reported: false } });
    expect(judgeMedia(notRequested({ isSecureContext: false, hasGetUserMedia: false })).code).toBe(CheckCode.MEDIA_NOT_SECURE_CONTEXT);
    expect(judgeMedia(notRequested({ isSecureContext: true, hasGetUserMedia: false })).code).toBe(CheckCode.MEDIA_UNSUPPORTED);
  });

  it('device problems fail the check; the details keep the error name and counts', () => {
    const obs = { ...notRequested(secure), requested: true, errorName: 'NotFoundError', devices: { audioinput: 1, videoinput: 0, audiooutput: 1 }, durationMs: 12.4 };
    expect(judgeMedia(obs)).toMatchObject({ status: 'fail', code: CheckCode.NO_CAMERA, durationMs: 12, details: { errorName: 'NotFoundError', devices: { videoinput: 0 } } });
    expect(judgeMedia({ ...obs, errorName: 'NotAllowedError' })).toMatchObject({ status: 'fail', code: CheckCode.MEDIA_PERMISSION_DENIED });
  });
});
