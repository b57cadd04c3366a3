/**
 * The page a person opens from an `iceprobe serve` link. It runs the CLI's own in-browser
 * probes — gather() per URL (probes/gather.ts) and call() against the server's echo peer
 * (probes/call.ts) — posts the raw observations back, and shows the verdict the server computed
 * from the report it stored. No judging happens here: the page shows exactly what was stored.
 */
import { call } from './call.js';
import { gather } from './gather.js';
import { mediaAvailability, notRequested, probeMedia, type MediaAvailability, type MediaObservation } from './serve-media.js';
import type { CallResult, CallSpec, GatherResult, GatherSpec } from './types.js';

interface SessionAnswer {
  session: string;
  gather: GatherSpec[];
  setupTimeoutMs: number;
  durationMs: number;
  bothWays: boolean;
  relayPath: string;
}
interface PlannedCallInfo {
  id: string;
  policy: 'relay' | 'all';
  transport: 'udp' | 'tcp' | 'tls' | null;
  skip: string | null;
}
interface Verdict {
  kind: string;
  tone: 'good' | 'warn' | 'bad';
  headline: string;
  lines: string[];
  codes: string[];
}
interface FinishAnswer {
  id: string;
  verdict: Verdict;
}

/** What the page did, for people and for tests driving it. */
interface ServeState {
  state: 'loading' | 'ready' | 'running' | 'done' | 'error';
  result: FinishAnswer | null;
  error: { status: number; reason: string } | null;
  /** The camera/microphone check: what the page could offer, and what it saw when asked. */
  media: { availability: MediaAvailability; observation: MediaObservation | null };
}
declare global {
  interface Window {
    iceprobeServe: ServeState;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const mediaEnv = {
  isSecureContext: window.isSecureContext === true,
  hasGetUserMedia: typeof navigator.mediaDevices?.getUserMedia === 'function',
};
const state: ServeState = { state: 'loading', result: null, error: null, media: { availability: mediaAvailability(mediaEnv), observation: null } };
window.iceprobeServe = state;
/** The camera/microphone check of the current run, once the person asked for it. */
let mediaRun: Promise<MediaObservation> | null = null;
/** While the result is being saved, a new camera/microphone check could not be part of it. */
let saving = false;

function setState(s: ServeState['state']): void {
  state.state = s;
  document.body.dataset.state = s;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const token = new URLSearchParams(location.search).get('t') ?? new URLSearchParams(location.hash.slice(1)).get('t');

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One API request; a busy server (503) is retried a few times, within a bound. */
async function api<T>(path: string, body?: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = {};
    if (token) headers['x-iceprobe-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 90_000);
    let res: Response;
    try {
      res = await fetch(path, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? null : JSON.stringify(body), signal: ctl.signal, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, `the test server did not answer (${String((e as Error).message ?? e)})`);
    } finally {
      clearTimeout(timer);
    }
    const data = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (res.ok) return data;
    if (res.status === 503 && attempt < 10) {
      await sleep(Math.min(10, Number(res.headers.get('retry-after') ?? 2)) * 1000);
      continue;
    }
    throw new ApiError(res.status, data.error ?? `HTTP ${res.status}`);
  }
}

function step(text: string): { done: (ok?: boolean) => void } {
  const li = document.createElement('li');
  li.textContent = text;
  li.dataset.state = 'running';
  $('steps').append(li);
  return { done: (ok = true) => (li.dataset.state = ok ? 'done' : 'failed') };
}

function progress(done: number, total: number): void {
  $<HTMLProgressElement>('bar').value = total > 0 ? Math.round((done / total) * 100) : 0;
}

const TRANSPORT: Record<string, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

function callLabel(c: PlannedCallInfo, direction: 'up' | 'down'): string {
  const what = c.policy === 'relay' ? `Test call through the relay over ${TRANSPORT[c.transport ?? ''] ?? '?'}` : 'Test call, normal setup';
  return `${what}${c.policy === 'relay' ? (direction === 'up' ? ' (sending)' : ' (receiving)') : ''}`;
}

async function run(): Promise<void> {
  setState('running');
  $<HTMLButtonElement>('start').disabled = true;
  $('progress').hidden = false;
  $('result').hidden = true;
  $('error').hidden = true;
  $('steps').replaceChildren();
  $('status').textContent = 'Testing… please keep this page open.';
  if (!mediaRun && state.media.availability === 'offer') $('media-status').textContent = '';

  const s0 = step('Contacting the test server');
  const session = await api<SessionAnswer>('/api/session');
  s0.done();
  const relayUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${session.relayPath}`;

  const sg = step(`Checking ${session.gather.length} connection${session.gather.length === 1 ? '' : 's'} to the call service`);
  let finished = 0;
  const total0 = session.gather.length + 4;
  const results: GatherResult[] = await Promise.all(
    session.gather.map(async (spec) => {
      const r = await gather(spec);
      progress(++finished, total0);
      return r;
    }),
  );
  sg.done();

  const { calls } = await api<{ calls: PlannedCallInfo[] }>('/api/gathered', { session: session.session, results });
  const runs = calls.filter((c) => !c.skip).flatMap((c) => (c.policy === 'relay' && session.bothWays ? (['up', 'down'] as const) : (['up'] as const)).map((d) => ({ c, d })));
  const total = session.gather.length + runs.length + 1;
  for (const { c, d } of runs) {
    const st = step(callLabel(c, d));
    const { spec } = await api<{ spec: Omit<CallSpec, 'relayUrl'> }>('/api/call', { session: session.session, call: c.id, direction: d });
    const result: CallResult = await call({ ...spec, relayUrl });
    const answer = await api<{ ok: boolean }>('/api/called', { session: session.session, call: c.id, direction: d, result });
    st.done(answer.ok);
    progress(++finished, total);
  }

  saving = true;
  mediaButton();
  let media = notRequested(mediaEnv);
  if (mediaRun) {
    const sm = step('Checking your camera and microphone');
    media = await mediaRun; // bounded inside probeMedia
    sm.done(media.granted);
  }
  const sf = step('Saving the result');
  const fin = await api<FinishAnswer>('/api/finish', { session: session.session, media });
  sf.done();
  // Consent was for this run: a new run asks again, only if the person presses the button again.
  mediaRun = null;
  saving = false;
  mediaButton();
  progress(total, total);
  show(fin);
}

function show(fin: FinishAnswer): void {
  state.result = fin;
  const r = $('result');
  r.dataset.tone = fin.verdict.tone;
  $('headline').textContent = fin.verdict.headline;
  $('lines').replaceChildren(
    ...fin.verdict.lines.map((l) => {
      const li = document.createElement('li');
      li.textContent = l;
      return li;
    }),
  );
  $('rid').textContent = fin.id;
  $('codes').textContent = fin.verdict.codes.length > 0 ? `For the service's engineers: ${fin.verdict.codes.join(', ')}` : '';
  r.hidden = false;
  // The verdict is the first thing on the page; bring it into view (a phone may have scrolled down to the steps).
  r.scrollIntoView({ block: 'start' });
  r.focus({ preventScroll: true });
  $('status').textContent = 'Done.';
  setState('done');
  $<HTMLButtonElement>('start').disabled = false;
  $('start').textContent = 'Run the test again';
  if (state.media.availability === 'offer') mediaButton();
}

function fail(e: unknown): void {
  const status = e instanceof ApiError ? e.status : 0;
  const reason = e instanceof ApiError ? e.reason : String((e as Error)?.message ?? e);
  state.error = { status, reason };
  const el = $('error');
  el.textContent = `The test could not finish: ${reason}`;
  el.hidden = false;
  el.scrollIntoView({ block: 'start' });
  $('status').textContent = '';
  setState('error');
  $<HTMLButtonElement>('start').disabled = false;
  mediaRun = null;
  saving = false;
  if (state.media.availability === 'offer') mediaButton();
}

async function copyId(): Promise<void> {
  const id = state.result?.id ?? '';
  let ok: boolean;
  try {
    await navigator.clipboard.writeText(id);
    ok = true;
  } catch {
    // Insecure context or no permission: select the id so the person can copy it by hand.
    const range = document.createRange();
    range.selectNodeContents($('rid'));
    const sel = getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    ok = document.execCommand?.('copy') ?? false;
  }
  $('copied').textContent = ok ? 'Copied.' : 'Selected: copy it with your device\'s copy command.';
}

const MEDIA_NOT_OFFERED: Record<Exclude<MediaAvailability, 'offer'>, string> = {
  'not-secure':
    'Your camera and microphone cannot be tested from this page: it was opened over an unencrypted connection (http://), and browsers allow the camera and microphone only on secure (https://) pages. The network test works all the same.',
  unsupported: 'This browser does not let web pages use a camera or microphone, so they cannot be tested here. The network test works all the same.',
};

/** Shows the offer only where it can work; the button is usable once per run. */
function mediaButton(): void {
  const a = state.media.availability;
  const b = $<HTMLButtonElement>('media-start');
  if (a !== 'offer') {
    b.hidden = true;
    $('media-offer').hidden = true;
    $('media-status').textContent = MEDIA_NOT_OFFERED[a];
    return;
  }
  $('media-offer').hidden = false;
  b.hidden = false;
  b.disabled = mediaRun !== null || saving || state.state === 'loading';
  // Say what pressing it does: before or after a run it starts the whole test (the outcome must be part of a result).
  b.textContent =
    state.state === 'running'
      ? 'Also test my camera and microphone in this test'
      : state.state === 'done' || state.state === 'error'
        ? 'Run the whole test again, with my camera and microphone'
        : 'Start the test, with my camera and microphone';
}

/** Only ever called from the button's click: the person's consent. */
function testMedia(): void {
  if (state.media.availability !== 'offer' || mediaRun !== null || saving) return;
  $('media-status').textContent = 'Your browser may ask whether this page may use your camera and microphone: please allow it.';
  const md = navigator.mediaDevices;
  mediaRun = probeMedia(md, mediaEnv, {
    now: () => performance.now(),
    timeoutMs: 60_000,
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  }).then((obs) => {
    state.media.observation = obs;
    $('media-status').textContent = 'Camera and microphone checked (and switched off again): the outcome is part of your result.';
    return obs;
  });
  mediaButton();
  // Pressed before (or after) a run: it also starts one, so the outcome is part of a result.
  if (state.state !== 'running') void run().catch(fail);
}

$('start').addEventListener('click', () => void run().catch(fail));
$('media-start').addEventListener('click', testMedia);
$('copy').addEventListener('click', () => void copyId());
if (typeof RTCPeerConnection === 'undefined') {
  fail(new Error('this browser does not support WebRTC, which video calls need'));
} else {
  $<HTMLButtonElement>('start').disabled = false;
  $('status').textContent = 'Ready.';
  setState('ready');
  mediaButton();
}
