/**
 * Pure: what a visitor's page saw of its camera and microphone (probes/serve-media.ts) → one
 * `media` check with a stable code. Every serve report carries it, so the operator always sees
 * whether media was tested, and if not, why (not asked, or the page was not a secure context).
 *
 * getUserMedia's DOMException names (Media Capture and Streams, §10.2 "getUserMedia" step
 * "permission failure", and the error names it lists):
 *   NotAllowedError / SecurityError → permission refused (person, browser policy or OS)
 *   NotFoundError                   → no device of a requested kind
 *   NotReadableError / AbortError   → the device exists but could not be started (busy, OS error)
 *   OverconstrainedError            → no device matches the constraints
 */
import { makeCheck } from '../../core/check.js';
import { CheckCode } from '../../core/codes.js';
import type { Check } from '../../core/schema.js';
import type { MediaObservation } from '../../../probes/serve-media.js';
import { MEDIA_CHECK_ID } from '../../core/ids.js';

export { MEDIA_CHECK_ID };

/** getUserMedia's error name (and the device counts, for NotFoundError) → a code. */
export function mediaErrorCode(errorName: string, devices: MediaObservation['devices']): CheckCode {
  switch (errorName) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError': // pre-standard Chromium name
      return CheckCode.MEDIA_PERMISSION_DENIED;
    case 'NotFoundError':
    case 'DevicesNotFoundError': {
      if (!devices) return CheckCode.NO_MEDIA_DEVICES;
      const cam = devices.videoinput > 0;
      const mic = devices.audioinput > 0;
      if (!cam && !mic) return CheckCode.NO_MEDIA_DEVICES;
      if (!cam) return CheckCode.NO_CAMERA;
      if (!mic) return CheckCode.NO_MICROPHONE;
      return CheckCode.MEDIA_ERROR; // listed both, yet "not found": say what happened, do not guess
    }
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return CheckCode.MEDIA_DEVICE_BUSY;
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return CheckCode.MEDIA_OVERCONSTRAINED;
    case 'TimeoutError':
      return CheckCode.MEDIA_NO_ANSWER;
    default:
      return CheckCode.MEDIA_ERROR;
  }
}

const MESSAGES: Record<string, string> = {
  [CheckCode.MEDIA_OK]: 'the browser gave the page a camera and a microphone',
  [CheckCode.MEDIA_NOT_REQUESTED]: 'not tested: the person did not ask for the camera and microphone test',
  [CheckCode.MEDIA_NOT_SECURE_CONTEXT]: 'not tested: the page was not a secure context (plain http on a non-local address), where browsers allow no camera or microphone',
  [CheckCode.MEDIA_UNSUPPORTED]: 'not tested: this browser offers web pages no camera or microphone access',
  [CheckCode.MEDIA_PERMISSION_DENIED]: 'camera and microphone access was refused (by the person, a browser setting or the operating system)',
  [CheckCode.MEDIA_NO_ANSWER]: 'the camera and microphone permission prompt was not answered in time',
  [CheckCode.NO_CAMERA]: 'the browser found no camera',
  [CheckCode.NO_MICROPHONE]: 'the browser found no microphone',
  [CheckCode.NO_MEDIA_DEVICES]: 'the browser found no camera and no microphone',
  [CheckCode.MEDIA_DEVICE_BUSY]: 'the camera or microphone could not be started (another application may be using it)',
  [CheckCode.MEDIA_OVERCONSTRAINED]: 'no camera or microphone matched the request',
  [CheckCode.MEDIA_ERROR]: 'the camera and microphone request failed',
};

/** The media check of a serve report; `obs` null/undefined: the page posted none. */
export function judgeMedia(obs: MediaObservation | null | undefined): Check {
  const check = (code: CheckCode, details: Record<string, unknown>, durationMs = 0): Check =>
    makeCheck({ id: MEDIA_CHECK_ID, kind: 'media', target: 'camera+microphone', transport: null, code, message: MESSAGES[code] ?? code, durationMs: Math.round(durationMs), details });
  if (!obs) return check(CheckCode.MEDIA_NOT_REQUESTED, { reported: false, requested: false });
  const base = { reported: true, secureContext: obs.secureContext, supported: obs.supported, requested: obs.requested };
  // What the page could not offer outranks what the person chose: it was never a choice.
  if (!obs.secureContext) return check(CheckCode.MEDIA_NOT_SECURE_CONTEXT, base);
  if (!obs.supported) return check(CheckCode.MEDIA_UNSUPPORTED, base);
  if (!obs.requested) return check(CheckCode.MEDIA_NOT_REQUESTED, base);
  const measured = { ...base, devices: obs.devices, stoppedAll: obs.stoppedAll };
  if (obs.granted && obs.errorName === null) {
    return check(CheckCode.MEDIA_OK, { ...measured, video: obs.video, audio: obs.audio }, obs.durationMs);
  }
  const name = obs.errorName ?? 'Error';
  const code = mediaErrorCode(name, obs.devices);
  // Calls with video would fail the same way for this person: a fail (the catalog's status). An
  // unanswered prompt is not yet a refusal: MEDIA_NO_ANSWER is a warn.
  return check(code, { ...measured, errorName: name, ...(obs.constraint !== null ? { constraint: obs.constraint } : {}) }, obs.durationMs);
}
