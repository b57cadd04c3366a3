/**
 * The diagnosis input and a read-only index over it, shared by every rule. Pure: a report (or
 * the part of one that exists before diagnosis) in, lookups out. Check ids are built and parsed
 * by src/core/ids.ts only; the browser checks of an engine other than Chromium
 * carry `@<engine>`, and the rules see one engine's checks under the plain ids (./engine-view.ts).
 */
import type { Call, Check, Finding, Report, ServerEcho, Severity } from '../core/schema.js';
import { checkId, checkIdUrl, parseDualStackId, GATHER_ALL_ID } from '../core/ids.js';

/** A report before diagnosis: findings and summary are not needed (a full Report fits too). */
export type DiagnosisInput = Pick<Report, 'servers' | 'checks' | 'candidates'> &
  Partial<Pick<Report, 'calls' | 'environment' | 'partial' | 'scenario'>>;

export interface DiagnosisOptions {
  /** A connected call slower than this (ms, createOffer → data channel open) is SLOW_SETUP. */
  slowSetupMs?: number;
  /** A relayed call below this (bit/s, over at least one second) is LOW_THROUGHPUT. */
  lowThroughputBps?: number;
  /** One-way loss (percent, from path-quality bursts) from which PACKET_LOSS is reported. */
  packetLossPercent?: number;
}
export type ResolvedOptions = Required<DiagnosisOptions>;

/** A rule: one concept, pure, silent when its evidence is absent. */
export type Rule = (input: DiagnosisInput, options: ResolvedOptions) => Finding[];

export function finding(code: string, severity: Severity, message: string, advice: string, checkIds: readonly string[]): Finding {
  return { code, severity, message, advice, checkIds: [...new Set(checkIds)] };
}

/** Only checks that exist in the report are cited. */
export function ids(...checks: (Check | undefined | null)[]): string[] {
  return checks.filter((c): c is Check => c !== undefined && c !== null).map((c) => c.id);
}

export const GATHER_ALL = GATHER_ALL_ID;

/** "a, b and c" for messages. */
export function list(items: readonly string[]): string {
  const xs = [...new Set(items)];
  if (xs.length <= 1) return xs[0] ?? '';
  return `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export class Evidence {
  readonly byId = new Map<string, Check>();
  readonly servers: readonly ServerEcho[];
  readonly checks: readonly Check[];
  readonly calls: readonly Call[];

  constructor(readonly input: DiagnosisInput) {
    this.checks = input.checks;
    for (const c of input.checks) if (!this.byId.has(c.id)) this.byId.set(c.id, c);
    this.servers = input.servers;
    this.calls = input.calls ?? [];
  }

  check(id: string): Check | undefined {
    return this.byId.get(id);
  }

  ofKind(kind: Check['kind']): Check[] {
    return this.checks.filter((c) => c.kind === kind);
  }

  get turnServers(): ServerEcho[] {
    return this.servers.filter((s) => s.scheme === 'turn' || s.scheme === 'turns');
  }

  get embedded(): boolean {
    return this.input.environment?.embeddedServer === true;
  }

  gather(s: ServerEcho): Check | undefined {
    return this.check(checkId.gather(s.url));
  }

  /** The Node probe for the URL: turn-allocate for turn(s):, stun-binding for stun(s):. */
  node(s: ServerEcho): Check | undefined {
    return this.check(checkId.nodeProbe(s.url, s.scheme === 'turn' || s.scheme === 'turns'));
  }

  tls(s: ServerEcho): Check | undefined {
    return s.transport === 'tls' ? this.check(checkId.tls(s.host, s.port)) : undefined;
  }

  dns(host: string): Check | undefined {
    return this.check(checkId.dns(host));
  }

  /** Every check about this URL (config, gather, Node probe, TLS) on its first address; not the IPv6 twins. */
  about(s: ServerEcho): Check[] {
    return this.checks.filter(
      (c) => parseDualStackId(c.id) === null && (c.target === s.url || checkIdUrl(c.id) === s.url || (s.transport === 'tls' && c.id === checkId.tls(s.host, s.port))),
    );
  }

  /** The Node probes of dual-stack hosts on their IPv6 address, each with the probe it repeats. */
  get ipv6Twins(): { twin: Check; primary: Check }[] {
    const out: { twin: Check; primary: Check }[] = [];
    for (const c of this.checks) {
      const p = parseDualStackId(c.id);
      const primary = p ? this.check(p.primary) : undefined;
      if (primary) out.push({ twin: c, primary });
    }
    return out;
  }

  /** The call entry for a call check id (calls[] carries the numbers; the check its verdict). */
  callFor(checkId: string): Call | undefined {
    return this.calls.find((c) => c.checkId === checkId);
  }
}

const cache = new WeakMap<DiagnosisInput, Evidence>();
export function evidenceOf(input: DiagnosisInput): Evidence {
  let e = cache.get(input);
  if (!e) {
    e = new Evidence(input);
    cache.set(input, e);
  }
  return e;
}
