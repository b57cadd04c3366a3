/**
 * serve's open visits: one per visitor's page load, from GET /api/session to POST /api/finish
 * (or until idle for limits.sessionIdleMs). A visit holds its own freshly minted credentials,
 * the gather plan, the planned calls, both sides' call results and its echo page.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { PlannedCall } from '../../browser/calls.js';
import type { ServerSpec } from '../../config/config.js';
import type { TurnRestSecret } from '../../core/credentials.js';
import type { Secrets } from '../../core/redact.js';
import type { CallResult } from '../../../probes/types.js';
import type { GatherPlan, judgeGathered } from './assemble.js';
import { HttpError } from './http.js';

/** One direction of one call: the echo side runs here, the page side is posted. */
export interface CallSide {
  echo: Promise<CallResult>;
  page: CallResult | null;
}

export interface Visit {
  id: string;
  tokenKey: string;
  ip: string;
  startedAt: Date;
  t0: number;
  lastSeen: number;
  servers: ServerSpec[];
  secrets: Secrets;
  gatherPlan: GatherPlan;
  gathered: ReturnType<typeof judgeGathered> | null;
  userAgent: string | null;
  /** The User-Agent header of the visit's first request (bounded). */
  requestUserAgent: string | null;
  plans: PlannedCall[] | null;
  sides: Map<string, CallSide>;
  busy: boolean;
  echoPage: Promise<Page> | null;
  finished: boolean;
}

/**
 * The servers as one visit gets them: a credential the config minted (the spec carries
 * restUser) is minted afresh for this visit, so a page never sees another visit's credential or
 * the shared secret; given credentials are passed as they are (a browser needs them). Every
 * credential handed out is registered with the visit's `secrets`.
 */
export function visitServers(base: readonly ServerSpec[], turnSecret: TurnRestSecret | null, nowMs: number, ttlS: number, secrets: Secrets): ServerSpec[] {
  return base.map((s) => {
    if (s.restUser === undefined || turnSecret === null) {
      secrets.add(s.credential);
      return s;
    }
    const minted = turnSecret.mint(s.restUser, nowMs, ttlS);
    secrets.add(minted.credential);
    return { ...s, username: minted.username, credential: minted.credential };
  });
}

export interface VisitStart {
  tokenKey: string;
  ip: string;
  requestUserAgent: string | null;
  servers: ServerSpec[];
  secrets: Secrets;
  gatherPlan: GatherPlan;
}

export class Visits {
  private readonly open = new Map<string, Visit>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly o: { maxVisits: number; idleMs: number; now: () => number }) {
    this.sweep = setInterval(() => {
      const t = o.now();
      for (const v of this.open.values()) {
        if (t - v.lastSeen > o.idleMs) this.close(v);
      }
    }, Math.min(30_000, o.idleMs));
    this.sweep.unref();
  }

  get full(): boolean {
    return this.open.size >= this.o.maxVisits;
  }

  start(init: VisitStart): Visit {
    const v: Visit = {
      ...init,
      id: randomBytes(16).toString('hex'),
      startedAt: new Date(this.o.now()),
      t0: performance.now(),
      lastSeen: this.o.now(),
      gathered: null,
      userAgent: null,
      plans: null,
      sides: new Map(),
      busy: false,
      echoPage: null,
      finished: false,
    };
    this.open.set(v.id, v);
    return v;
  }

  /** The visit `id` of this token, still open and unfinished (404/409 otherwise); marks it seen. */
  get(id: string, tokenKey: string): Visit {
    const v = this.open.get(id);
    if (!v || v.tokenKey !== tokenKey) throw new HttpError(404, 'no such visit (it may have expired): reload the page to start again');
    if (v.finished) throw new HttpError(409, 'this visit already has its result');
    v.lastSeen = this.o.now();
    return v;
  }

  /** Forgets the visit and closes its echo page. */
  close(v: Visit): void {
    this.open.delete(v.id);
    void v.echoPage?.then((p) => p.close()).catch(() => undefined);
    v.echoPage = null;
  }

  /** Every visit closed, the idle sweep stopped. */
  closeAll(): void {
    clearInterval(this.sweep);
    for (const v of this.open.values()) void v.echoPage?.then((p) => p.close()).catch(() => undefined);
    this.open.clear();
  }
}
