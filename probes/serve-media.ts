/**
 * The visitor page's camera and microphone check (iceprobe serve). Asked for only after the
 * person presses the camera button, and only on a secure page: browsers expose
 * `navigator.mediaDevices` to secure contexts alone (https://, or http://localhost / 127.0.0.1).
 *
 * The browser objects are injected (MediaDevicesLike), so the logic runs in unit tests against
 * scripted devices; the page passes the real `navigator.mediaDevices`. It observes, never judges:
 * the server turns a MediaObservation into a `media` check (src/services/serve/media.ts).
 */

/** Why the page can or cannot offer the check. */
export type MediaAvailability = 'offer' | 'not-secure' | 'unsupported';

/** What the page saw. Posted with /api/finish; validated by src/services/serve/schema.ts. */
export interface MediaObservation {
  /** window.isSecureContext */
  secureContext: boolean;
  /** navigator.mediaDevices.getUserMedia exists */
  supported: boolean;
  /** The person pressed the button (getUserMedia is never called otherwise). */
  requested: boolean;
  /** getUserMedia gave a stream. */
  granted: boolean;
  /** The DOMException's name when getUserMedia failed ("NotAllowedError", …); "TimeoutError" when unanswered within the bound. */
  errorName: string | null;
  /** OverconstrainedError's constraint. */
  constraint: string | null;
  /** Devices the browser lists, per kind (virtual "default"/"communications" entries not counted). */
  devices: { audioinput: number; videoinput: number; audiooutput: number } | null;
  video: { width: number | null; height: number | null; frameRate: number | null } | null;
  audio: { sampleRate: number | null; channelCount: number | null } | null;
  /** Every track of the granted stream ended right after reading its settings. */
  stoppedAll: boolean | null;
  /** From the button press to getUserMedia's answer (includes the person answering a prompt). */
  durationMs: number;
}

/** The slice of MediaDevices the check uses. */
export interface MediaDevicesLike {
  getUserMedia(constraints: { audio: boolean; video: boolean }): Promise<MediaStreamLike>;
  enumerateDevices(): Promise<readonly { kind: string; deviceId: string }[]>;
}
export interface MediaStreamLike {
  getTracks(): readonly MediaTrackLike[];
}
export interface MediaTrackLike {
  kind: string;
  readyState: string;
  getSettings(): { width?: number; height?: number; frameRate?: number; sampleRate?: number; channelCount?: number };
  stop(): void;
}

/** Pure: what the page offers. */
export function mediaAvailability(env: { isSecureContext: boolean; hasGetUserMedia: boolean }): MediaAvailability {
  if (!env.isSecureContext) return 'not-secure';
  return env.hasGetUserMedia ? 'offer' : 'unsupported';
}

/** The observation sent when the person did not ask (or could not be asked). */
export function notRequested(env: { isSecureContext: boolean; hasGetUserMedia: boolean }): MediaObservation {
  return {
    secureContext: env.isSecureContext,
    supported: env.hasGetUserMedia,
    requested: false,
    granted: false,
    errorName: null,
    constraint: null,
    devices: null,
    video: null,
    audio: null,
    stoppedAll: null,
    durationMs: 0,
  };
}

const VIRTUAL_IDS = new Set(['default', 'communications']);

/** Pure: devices per kind. Before permission browsers list one entry per kind with an empty id. */
export function countDevices(list: readonly { kind: string; deviceId: string }[]): MediaObservation['devices'] {
  const count = (kind: string) => list.filter((d) => d.kind === kind && !VIRTUAL_IDS.has(d.deviceId)).length;
  return { audioinput: count('audioinput'), videoinput: count('videoinput'), audiooutput: count('audiooutput') };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function errorNameOf(e: unknown): { name: string; constraint: string | null } {
  const o = (e ?? {}) as { name?: unknown; constraint?: unknown };
  const name = typeof o.name === 'string' && o.name !== '' ? o.name.slice(0, 64) : 'Error';
  return { name, constraint: typeof o.constraint === 'string' ? o.constraint.slice(0, 64) : null };
}

/**
 * Asks for a camera and a microphone once, reads the tracks' settings, stops every track at once,
 * and lists the devices. `timeoutMs` bounds an unanswered permission prompt (a stream that arrives
 * later is stopped as soon as it does); listing devices is bounded by 5 s. Never rejects.
 */
export async function probeMedia(md: MediaDevicesLike, env: { isSecureContext: boolean }, opts: { now: () => number; timeoutMs: number; setTimer: (fn: () => void, ms: number) => () => void }): Promise<MediaObservation> {
  const obs: MediaObservation = { ...notRequested({ isSecureContext: env.isSecureContext, hasGetUserMedia: true }), requested: true };
  const t0 = opts.now();
  let cancel = () => {};
  try {
    const asked = md.getUserMedia({ audio: true, video: true });
    const stream = await new Promise<MediaStreamLike>((resolve, reject) => {
      cancel = opts.setTimer(() => {
        const late = new Error('no answer to the permission prompt');
        late.name = 'TimeoutError';
        reject(late);
        // Whatever the browser grants after the bound is released right away.
        asked.then((s) => s.getTracks().forEach((t) => t.stop()), () => undefined);
      }, opts.timeoutMs);
      asked.then(resolve, reject);
    });
    cancel();
    obs.durationMs = Math.max(0, opts.now() - t0);
    const tracks = stream.getTracks();
    const v = tracks.find((t) => t.kind === 'video')?.getSettings();
    const a = tracks.find((t) => t.kind === 'audio')?.getSettings();
    for (const t of tracks) t.stop();
    obs.granted = true;
    obs.stoppedAll = tracks.every((t) => t.readyState === 'ended');
    obs.video = v ? { width: num(v.width), height: num(v.height), frameRate: num(v.frameRate) } : null;
    obs.audio = a ? { sampleRate: num(a.sampleRate), channelCount: num(a.channelCount) } : null;
  } catch (e) {
    cancel();
    obs.durationMs = Math.max(0, opts.now() - t0);
    const { name, constraint } = errorNameOf(e);
    obs.errorName = name;
    obs.constraint = constraint;
  }
  let stopList = () => {};
  try {
    const listed = await new Promise<readonly { kind: string; deviceId: string }[]>((resolve, reject) => {
      stopList = opts.setTimer(() => reject(new Error('enumerateDevices did not answer')), 5_000);
      md.enumerateDevices().then(resolve, reject);
    });
    obs.devices = countDevices(listed);
  } catch {
    obs.devices = null;
  } finally {
    stopList();
  }
  return obs;
}
