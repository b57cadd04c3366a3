/**
 * Runs the planned calls in the two call pages (caller, callee): every call is set up at once
 * (signaling → data channel open, concurrently: setup is mostly waiting on the network), then
 * their data phases run one after another, so no two transfers ever share a link, a relay or
 * the CPU. Each data phase ends when the callee's steady rate has converged (converge.ts) or
 * at `durationMs`, whichever comes first; the one-sided call's (its verdict is connectivity)
 * as soon as its far end's application has received data. A call with no data phase (setup
 * failed, or a pair inside this machine) is judged as soon as its setup is done, without waiting
 * for the loss bursts or the data phases before it.
 *
 * A call that sends media (the policy-all call with --media) would put video on the wire the
 * moment it connects, so it is set up only when its turn comes, after every other data phase.
 *
 * The policy-all call gets a data phase only when ICE chose a relayed pair. Both peers are pages
 * of this one browser, so a host or server-reflexive pair runs inside this machine: a transfer
 * over it would measure this machine's CPU, not a network or a server. That call reports that it
 * connected, over which pair and its RTT, and no throughput (details.dataPhase says why).
 */
import { randomBytes } from 'node:crypto';
import type { PageEvaluator } from './engine.js';
import type { Call, Check } from '../core/schema.js';
import type { CallResult, CallSpec, ReceiveCount } from '../../probes/types.js';
import { judgeCall, notRunCall, ONE_SIDED_CALL_MAX_MS, receivedSamples, type PlannedCall } from './calls.js';
import { iceServer } from '../config/ice-server.js';
import { CONVERGENCE, convergence, type ConvergenceRule } from './converge.js';
import { CALL_LOW_THROUGHPUT_BPS, CALL_MESSAGE_BYTES, FINDING_LOW_THROUGHPUT_BPS } from '../core/defaults.js';

export interface CallPages {
  caller: PageEvaluator;
  callee: PageEvaluator;
}

export interface CallRunOptions {
  relayUrl: string;
  setupTimeoutMs: number;
  /** The cap of each data phase (`--duration`). */
  durationMs: number;
  media: boolean;
  /** Callee counter interval (default 250 ms). */
  sampleMs?: number;
  /** When to stop a data phase early; null: always run the whole `durationMs`. */
  convergence?: ConvergenceRule | null;
  /** Rates (bit/s) that judge a call's headline: LOW_THROUGHPUT's and the throughput gates' (see converge.ts). */
  thresholds?: readonly number[];
  /** The first data phase waits for this (e.g. the loss bursts, which a bulk transfer would skew); setup does not. */
  dataAfter?: Promise<unknown>;
  signal?: AbortSignal;
}

export interface CallOutcome {
  call: Call;
  check: Check;
}

interface OpenResult {
  key: string;
  open: boolean;
  result: CallResult;
}

/** What judges a headline when the caller names nothing: the call check's and the finding's LOW_THROUGHPUT. */
const DEFAULT_THRESHOLDS = [CALL_LOW_THROUGHPUT_BPS, FINDING_LOW_THROUGHPUT_BPS];

/** How often the one-sided call's data phase looks for its proof of delivery. */
const PROOF_POLL_MS = 50;

/** Slack on top of a page's own bounds, for the evaluate round trip on a loaded machine. */
const PAGE_SLACK_MS = 8_000;

function pageFailure(role: CallSpec['role'], error: string): CallResult {
  return {
    role, ok: false, failedPhase: 'internal', error, phases: [], iceStates: [], localCandidates: [], remoteCandidates: [],
    selectedPair: null, selectedPairChanges: null, samples: [], bytes: 0, appBytes: 0, dataMs: 0, rtts: [], media: null,
  };
}

/** `window.iceprobe.<fn>(...args)` in the page, bounded; rejects on a page error or the bound. */
function evaluate<T>(page: PageEvaluator, fn: string, args: unknown[], boundMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    page.evaluate(`window.iceprobe.${fn}(${args.map((a) => JSON.stringify(a)).join(',')})`) as Promise<T>,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the page within ${boundMs} ms`)), boundMs);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'page error';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

class Runner {
  private readonly open = new Set<string>();

  constructor(
    private readonly pages: CallPages,
    private readonly o: CallRunOptions,
  ) {}

  /** The data phase's cap: `--duration`, at most ONE_SIDED_CALL_MAX_MS for the one-sided call. */
  capOf(plan: PlannedCall): number {
    return plan.directCallee ? Math.min(this.o.durationMs, ONE_SIDED_CALL_MAX_MS) : this.o.durationMs;
  }

  private spec(plan: PlannedCall, room: string, role: CallSpec['role']): CallSpec {
    // The one-sided call's callee: no TURN (only the STUN servers), every candidate type allowed.
    const direct = plan.directCallee && role === 'callee' ? plan.directCallee : null;
    return {
      relayUrl: this.o.relayUrl,
      room,
      role,
      iceServers: (direct ? direct.servers : plan.servers).map(iceServer),
      policy: direct ? 'all' : plan.policy,
      setupTimeoutMs: this.o.setupTimeoutMs,
      durationMs: this.capOf(plan),
      sampleMs: this.o.sampleMs ?? 250,
      messageBytes: CALL_MESSAGE_BYTES,
      media: this.sendsMedia(plan),
    };
  }

  sendsMedia(plan: PlannedCall): boolean {
    return this.o.media && plan.policy === 'all';
  }

  /** Both sides' setup; the sessions stay open in the pages. */
  async setUp(plan: PlannedCall): Promise<{ room: string; callee: OpenResult; caller: OpenResult }> {
    const room = `${plan.id}-${randomBytes(6).toString('hex')}`;
    const side = async (role: CallSpec['role']): Promise<OpenResult> => {
      const page = role === 'caller' ? this.pages.caller : this.pages.callee;
      const key = `${room}:${role}`;
      this.open.add(key);
      try {
        const r = await evaluate<OpenResult>(page, 'callOpen', [this.spec(plan, room, role)], this.o.setupTimeoutMs + PAGE_SLACK_MS);
        if (!r.open) this.open.delete(key);
        return r;
      } catch (e) {
        return { key, open: false, result: pageFailure(role, firstLine(e)) };
      }
    };
    const [callee, caller] = await Promise.all([side('callee'), side('caller')]);
    return { room, callee, caller };
  }

  /**
   * No data phase is worth running: the selected pair never leaves this machine (see the header).
   * Only a pair known to be relayed gets one: the caller's selected pair may not be known yet when
   * setup returns (a busy machine), and a transfer over a pair that then turns out to be host ↔ host
   * would measure this machine's CPU, not a network.
   */
  localOnly(plan: PlannedCall, s: { caller: OpenResult }): boolean {
    return plan.policy === 'all' && !this.sendsMedia(plan) && s.caller.result.selectedPair?.local.type !== 'relay';
  }

  /** Closes an open call without a data phase and judges it (connectivity, pair, RTT; no throughput). */
  async connectOnly(plan: PlannedCall, s: { callee: OpenResult; caller: OpenResult }): Promise<CallOutcome> {
    const close = (page: PageEvaluator, role: CallSpec['role'], key: string) =>
      evaluate<CallResult>(page, 'callClose', [key], PAGE_SLACK_MS).catch((e: unknown) => pageFailure(role, firstLine(e)));
    const [callerR, calleeR] = await Promise.all([close(this.pages.caller, 'caller', s.caller.key), close(this.pages.callee, 'callee', s.callee.key)]);
    this.open.delete(s.caller.key);
    this.open.delete(s.callee.key);
    const out = judgeCall(plan, callerR, calleeR, this.o.durationMs);
    const pair = callerR.selectedPair;
    out.check.details = {
      ...out.check.details,
      dataPhase: `none: the selected pair (${pair?.local.type ?? '?'} ↔ ${pair?.remote.type ?? '?'}) runs inside this machine, a transfer would measure its CPU`,
    };
    return out;
  }

  /** The data phase of an open call, then its verdict. */
  async transfer(plan: PlannedCall, s: { callee: OpenResult; caller: OpenResult }): Promise<CallOutcome> {
    const { caller, callee } = this.pages;
    const cap = this.capOf(plan);
    const rule = this.o.convergence === undefined ? CONVERGENCE : this.o.convergence;
    const bound = cap + PAGE_SLACK_MS;
    let stoppedBy: 'converged' | 'delivered' | 'duration' = 'duration';
    let calleeR: CallResult;
    let callerR: CallResult;
    try {
      await evaluate(callee, 'callReceive', [s.callee.key, { durationMs: cap }], PAGE_SLACK_MS);
      let sending = true;
      const sent = evaluate<CallResult>(caller, 'callSend', [s.caller.key, { durationMs: cap }], bound)
        .catch((e: unknown) => pageFailure('caller', firstLine(e)))
        .finally(() => (sending = false));
      // The one-sided call's verdict is connectivity, never a rate: it stops as soon as the
      // application at the far end has received data through the relay from outside.
      const proof = plan.directCallee !== undefined;
      if (rule || proof) {
        const counter: ReceiveCount[] = [];
        // The proof is read as soon as the page's first sample exists (polls every 50 ms; the
        // page still samples every sampleMs): polled in step with the page, a poll just before
        // its first sample would wait one more interval, to the cap.
        const every = proof ? Math.min(PROOF_POLL_MS, this.o.sampleMs ?? 250) : (this.o.sampleMs ?? 250);
        while (sending && !this.o.signal?.aborted) {
          await Promise.race([sleep(every), sent]);
          if (!sending) break;
          counter.push(...(await evaluate<ReceiveCount[]>(callee, 'callCounter', [s.callee.key, counter.length], PAGE_SLACK_MS).catch(() => [])));
          const delivered = proof && (counter.at(-1)?.appBytes ?? 0) > 0;
          const converged = !proof && rule !== null && convergence(receivedSamples(counter), rule, this.o.thresholds ?? DEFAULT_THRESHOLDS).converged;
          if (delivered || converged) {
            stoppedBy = delivered ? 'delivered' : 'converged';
            await evaluate(caller, 'callStop', [s.caller.key], PAGE_SLACK_MS).catch(() => undefined);
            break;
          }
        }
      }
      if (this.o.signal?.aborted) await evaluate(caller, 'callStop', [s.caller.key], PAGE_SLACK_MS).catch(() => undefined);
      callerR = await sent;
      calleeR = await evaluate<CallResult>(callee, 'callFinish', [s.callee.key], bound).catch((e: unknown) => pageFailure('callee', firstLine(e)));
    } catch (e) {
      callerR = pageFailure('caller', firstLine(e));
      calleeR = pageFailure('callee', firstLine(e));
    } finally {
      this.open.delete(s.caller.key);
      this.open.delete(s.callee.key);
    }
    const out = judgeCall(plan, callerR, calleeR, cap);
    if (callerR.ok) out.check.details = { ...out.check.details, dataStoppedBy: stoppedBy, dataCapMs: cap };
    return out;
  }

  /** A call that could not start its data phase: both sides' setup results, judged; open sides released. */
  async failed(plan: PlannedCall, s: { callee: OpenResult; caller: OpenResult }): Promise<CallOutcome> {
    await this.release([s.caller.key, s.callee.key]);
    return judgeCall(plan, s.caller.result, s.callee.result, this.capOf(plan));
  }

  /** Closes every session still open in the pages (an aborted run, a half-open call). */
  async release(only?: string[]): Promise<void> {
    const keys = [...this.open].filter((k) => !only || only.includes(k));
    for (const k of keys) this.open.delete(k);
    await Promise.all(
      keys.map((k) => evaluate(k.endsWith(':caller') ? this.pages.caller : this.pages.callee, 'callAbort', [k], 2_000).catch(() => undefined)),
    );
  }
}

/**
 * Every planned call, in plan order; `onCall` hears each as soon as it is judged. Never throws
 * for a network outcome; an aborted run returns the calls finished so far.
 */
export async function runCalls(pages: CallPages, plans: readonly PlannedCall[], o: CallRunOptions, onCall?: (r: CallOutcome) => void): Promise<CallOutcome[]> {
  const runner = new Runner(pages, o);
  const setups = new Map<PlannedCall, ReturnType<Runner['setUp']>>();
  for (const plan of plans) {
    if (plan.skip || runner.sendsMedia(plan)) continue;
    const p = runner.setUp(plan);
    p.catch(() => undefined);
    setups.set(plan, p);
  }
  // A call without a data phase (its setup failed, or its pair runs inside this machine) moves
  // nothing, so it is judged as soon as its setup is done: while the loss bursts finish and the
  // data phases before it run, instead of after them. Reported in plan order all the same.
  const withoutData = (plan: PlannedCall, s: Awaited<ReturnType<Runner['setUp']>>): Promise<CallOutcome> | null =>
    !(s.caller.open && s.callee.open) ? runner.failed(plan, s) : runner.localOnly(plan, s) ? runner.connectOnly(plan, s) : null;
  const concluded = new Map<PlannedCall, Promise<CallOutcome | null>>();
  for (const [plan, setup] of setups) {
    const p = setup.then((s) => withoutData(plan, s));
    p.catch(() => undefined);
    concluded.set(plan, p);
  }
  const out: CallOutcome[] = [];
  try {
    if (o.dataAfter) await o.dataAfter.catch(() => undefined);
    for (const plan of plans) {
      if (o.signal?.aborted) break;
      let r: CallOutcome;
      if (plan.skip) r = notRunCall(plan, plan.skip, 'skip');
      else {
        // A media call is set up only now (see the header); every other was set up at once above.
        const s = await (setups.get(plan) ?? runner.setUp(plan));
        r = (await (concluded.get(plan) ?? withoutData(plan, s))) ?? (await runner.transfer(plan, s));
      }
      out.push(r);
      onCall?.(r);
    }
  } finally {
    // Setups still under way (an abort) finish within their bound, and so do the calls judged
    // without a data phase; then nothing is left open.
    await Promise.allSettled([...setups.values(), ...concluded.values()]);
    await runner.release();
  }
  return out;
}

/** One planned call on its own (the benchmark): setup, then its data phase. */
export async function runCall(pages: CallPages, plan: PlannedCall, o: CallRunOptions): Promise<CallOutcome> {
  const [r] = await runCalls(pages, [plan], o);
  return r ?? notRunCall(plan, 'aborted', 'skip');
}
