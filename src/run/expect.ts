/**
 * CI gates: `--expect` rules (command line or config) turned into checks of kind `expectation`.
 *
 * Grammar (one rule per string; spaces around < and > are allowed; case-insensitive keywords):
 *
 *   relay:T            the relay-forced call over T passed (connected)         T = udp | tcp | tls
 *   setup<MS           every connected call set up in under MS
 *   setup:C<MS         the C call set up in under MS                           C = udp | tcp | tls | all
 *   throughput>BPS     every call that measured throughput moved more than BPS
 *   throughput:C>BPS   the C call moved more than BPS
 *   rtt<MS             every call's median RTT is under MS
 *   rtt:C<MS           the C call's median RTT is under MS
 *   no-warn            no check with status warn and no finding of severity warn (--strict)
 *   no-code:CODE       no check and no finding carries CODE (e.g. no-code:UDP_BLOCKED)
 *   pass:CHECK_ID      the check with this id passed (e.g. pass:gather:all)
 *
 *   MS  = a number of milliseconds, optionally with a unit: 500, 500ms, 1.5s
 *   BPS = bits per second: 5000000, 5e6, 500k, 5M, 5Mbit, 5Mbps, 5Mbit/s, 1G (k/M/G are 10^3/10^6/10^9)
 *   "C call": udp|tcp|tls is the relay-forced call over that transport, all is the call with
 *   every server (policy all).
 *
 * Each rule becomes one check, id `expect:<rule text>`: status pass (code OK) or fail, with code
 * EXPECTATION_FAILED, or EXPECTATION_UNMEASURED when the thing was never measured (e.g. no tls
 * call ran): an unmeasured expectation fails too. details = { rule, actual, wanted }.
 * parseExpectations throws one ConfigError listing every bad rule, one line each with the fix.
 */
import { deliveredBitsPerSecond } from '../browser/calls.js';
import { makeCheck } from '../core/check.js';
import { CheckCode } from '../core/codes.js';
import { ConfigError } from '../core/errors.js';
import type { Call, Check, Finding, Report, Transport } from '../core/schema.js';
import { checkId } from '../core/ids.js';

/** The codes an expectation check can have (strings, status and advice live in src/core/codes.ts). */
export const ExpectationCode = {
  OK: CheckCode.OK,
  EXPECTATION_FAILED: CheckCode.EXPECTATION_FAILED, // the measured value misses the rule
  EXPECTATION_UNMEASURED: CheckCode.EXPECTATION_UNMEASURED, // the rule's subject was never measured (a failure too)
} as const;
export type ExpectationCode = (typeof ExpectationCode)[keyof typeof ExpectationCode];

export type CallSelector = Transport | 'all';

export type Expectation =
  | { kind: 'relay'; rule: string; transport: Transport }
  | { kind: 'setup'; rule: string; call: CallSelector | null; maxMs: number }
  | { kind: 'throughput'; rule: string; call: CallSelector | null; minBps: number }
  | { kind: 'rtt'; rule: string; call: CallSelector | null; maxMs: number }
  | { kind: 'no-warn'; rule: string }
  | { kind: 'no-code'; rule: string; code: string }
  | { kind: 'pass'; rule: string; checkId: string };

const SELECTORS = new Set<string>(['udp', 'tcp', 'tls', 'all']);
const TRANSPORTS = new Set<string>(['udp', 'tcp', 'tls']);

/** "500", "500ms", "1.5s" → ms, or null. */
export function parseMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s)?$/i.exec(text.trim());
  if (!m || m[1] === undefined) return null;
  const v = Number(m[1]) * (m[2]?.toLowerCase() === 's' ? 1000 : 1);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** "5e6", "500k", "5M", "5Mbit", "5Mbps", "5Mbit/s", "1G" → bit/s, or null (bytes are refused). */
export function parseBps(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kmg])?(?:bit\/s|bits\/s|bit|bits|bps|b\/s)?$/i.exec(text.trim());
  if (!m || m[1] === undefined) return null;
  const mult = { k: 1e3, m: 1e6, g: 1e9 }[m[2]?.toLowerCase() ?? ''] ?? 1;
  const v = Number(m[1]) * mult;
  return Number.isFinite(v) && v > 0 ? v : null;
}

const GRAMMAR = 'relay:udp|tcp|tls, setup<MS, setup:udp|tcp|tls|all<MS, throughput>BPS, throughput:C>BPS, rtt<MS, rtt:C<MS, no-warn, no-code:CODE, pass:CHECK_ID';

function parseOne(rule: string): Expectation | string {
  const r = rule.trim();
  if (r === '') return 'empty rule: write one of ' + GRAMMAR;
  const lower = r.toLowerCase();
  if (lower === 'no-warn' || lower === 'strict') return { kind: 'no-warn', rule: r };

  let m = /^relay\s*:\s*(\S+)$/i.exec(r);
  if (m) {
    const t = (m[1] ?? '').toLowerCase();
    return TRANSPORTS.has(t) ? { kind: 'relay', rule: r, transport: t as Transport } : `unknown transport "${m[1]}": write relay:udp, relay:tcp or relay:tls`;
  }
  m = /^(setup|rtt|throughput)\s*(?::\s*([a-z0-9]+))?\s*([<>])\s*(.*)$/i.exec(r);
  if (m) {
    const what = (m[1] ?? '').toLowerCase() as 'setup' | 'rtt' | 'throughput';
    const sel = m[2]?.toLowerCase() ?? null;
    const op = m[3];
    const value = m[4] ?? '';
    if (sel !== null && !SELECTORS.has(sel)) return `unknown call "${m[2]}": write ${what}:udp, ${what}:tcp, ${what}:tls or ${what}:all (or ${what} alone for every call)`;
    const call = sel as CallSelector | null;
    if (what === 'throughput') {
      if (op !== '>') return `throughput is a minimum: write throughput${sel ? `:${sel}` : ''}>${value || '5M'}`;
      if (/byte/i.test(value) || /^[\d.e+-]+\s*[kmgKMG]?B(\/s)?$/.test(value.trim())) {
        return `"${value}" looks like bytes: throughput is in bits per second, e.g. throughput>40Mbit for 5 MB/s`;
      }
      const bps = parseBps(value);
      return bps === null ? `bad rate "${value}": write bits per second like 5e6, 500k, 5M or 5Mbit` : { kind: 'throughput', rule: r, call, minBps: bps };
    }
    if (op !== '<') return `${what} is a maximum: write ${what}${sel ? `:${sel}` : ''}<${value || '500'}`;
    const ms = parseMs(value);
    if (ms === null) return `bad time "${value}": write milliseconds like ${what}<500 (or 500ms, 1.5s)`;
    return what === 'setup' ? { kind: 'setup', rule: r, call, maxMs: ms } : { kind: 'rtt', rule: r, call, maxMs: ms };
  }
  m = /^no-code\s*:\s*(.*)$/i.exec(r);
  if (m) {
    const code = (m[1] ?? '').trim();
    return /^[A-Z][A-Z0-9_]*$/.test(code) ? { kind: 'no-code', rule: r, code } : `bad code "${code}": write an upper-case code like no-code:UDP_BLOCKED`;
  }
  m = /^pass\s*:\s*(.*)$/i.exec(r);
  if (m) {
    const id = (m[1] ?? '').trim();
    return id.length > 0 && !/\s/.test(id) ? { kind: 'pass', rule: r, checkId: id } : `bad check id "${id}": write the id of a check in the report, e.g. pass:gather:all`;
  }
  return `not a rule: write one of ${GRAMMAR}`;
}

/**
 * Parses every rule; throws one ConfigError naming every bad one (one line each: the rule and the
 * fix). Duplicate rules (same text) are kept once.
 */
export function parseExpectations(rules: readonly string[], opts: { source?: string } = {}): Expectation[] {
  const source = opts.source ?? '--expect';
  const out: Expectation[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const e = parseOne(rule);
    if (typeof e === 'string') problems.push(`${source} "${rule}": ${e}`);
    else if (!seen.has(e.rule)) {
      seen.add(e.rule);
      out.push(e);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

export type ExpectationInput = Pick<Report, 'checks' | 'findings'> & { calls?: Report['calls'] };

const callCheckId = (c: CallSelector) => checkId.call(c === 'all' ? null : c);
const connected = (c: Call) => c.status === 'pass' || c.status === 'warn';

interface Verdict {
  code: ExpectationCode;
  actual: unknown;
  wanted: unknown;
  message: string;
  transport?: Transport | null;
}

function callsFor(input: ExpectationInput, sel: CallSelector | null): { calls: Call[]; missing: string | null } {
  const calls = input.calls ?? [];
  if (sel === null) {
    const ok = calls.filter(connected);
    return { calls: ok, missing: ok.length === 0 ? (calls.length === 0 ? 'no call ran' : 'no call connected') : null };
  }
  const c = calls.find((x) => x.checkId === callCheckId(sel));
  if (!c) return { calls: [], missing: `no ${sel === 'all' ? 'call with every server' : `relay call over ${sel}`} ran` };
  if (!connected(c)) return { calls: [], missing: `the ${sel === 'all' ? 'call with every server' : `relay call over ${sel}`} did not connect (${c.code})` };
  return { calls: [c], missing: null };
}

function measure(input: ExpectationInput, sel: CallSelector | null, get: (c: Call) => number | null, cmp: (v: number) => boolean, wanted: string, what: string): Verdict {
  const { calls, missing } = callsFor(input, sel);
  const values = calls.map((c) => ({ call: c.checkId, value: get(c) })).filter((x): x is { call: string; value: number } => x.value !== null);
  if (missing !== null || values.length === 0) {
    return { code: ExpectationCode.EXPECTATION_UNMEASURED, actual: null, wanted, message: `${what} was never measured: ${missing ?? 'the call kept no value'}` };
  }
  const bad = values.filter((x) => !cmp(x.value));
  const actual = Object.fromEntries(values.map((x) => [x.call, x.value]));
  return bad.length === 0
    ? { code: ExpectationCode.OK, actual, wanted, message: `${what} ${wanted}: ${values.map((x) => `${x.call} ${round(x.value)}`).join(', ')}` }
    : { code: ExpectationCode.EXPECTATION_FAILED, actual, wanted, message: `${what} not ${wanted}: ${bad.map((x) => `${x.call} ${round(x.value)}`).join(', ')}` };
}

const round = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

function judge(input: ExpectationInput, e: Expectation): Verdict {
  switch (e.kind) {
    case 'relay': {
      const id = callCheckId(e.transport);
      const c = input.checks.find((x) => x.id === id);
      if (!c || c.status === 'skip') return { code: ExpectationCode.EXPECTATION_UNMEASURED, actual: c ? c.code : null, wanted: 'pass', message: `no relay call over ${e.transport} ran${c ? ' (skipped)' : ''}`, transport: e.transport };
      const ok = c.status === 'pass' || c.status === 'warn';
      return { code: ok ? ExpectationCode.OK : ExpectationCode.EXPECTATION_FAILED, actual: c.code, wanted: 'pass', message: `relay call over ${e.transport}: ${c.status} (${c.code})`, transport: e.transport };
    }
    case 'setup':
      return { ...measure(input, e.call, (c) => c.setup.totalMs, (v) => v < e.maxMs, `< ${e.maxMs} ms`, 'setup time'), transport: e.call && e.call !== 'all' ? e.call : null };
    case 'throughput':
      return { ...measure(input, e.call, (c) => deliveredBitsPerSecond(c.throughput), (v) => v > e.minBps, `> ${e.minBps} bit/s`, 'throughput'), transport: e.call && e.call !== 'all' ? e.call : null };
    case 'rtt':
      return { ...measure(input, e.call, (c) => c.rttMs?.median ?? null, (v) => v < e.maxMs, `< ${e.maxMs} ms`, 'median RTT'), transport: e.call && e.call !== 'all' ? e.call : null };
    case 'no-warn': {
      const checks = input.checks.filter((c) => c.status === 'warn' && c.kind !== 'expectation').map((c) => c.id);
      const findings = input.findings.filter((f) => f.severity === 'warn').map((f) => f.code);
      const ok = checks.length === 0 && findings.length === 0;
      return { code: ok ? ExpectationCode.OK : ExpectationCode.EXPECTATION_FAILED, actual: { checks, findings }, wanted: 'no warnings', message: ok ? 'no warnings' : `warnings: ${[...checks, ...findings].join(', ')}` };
    }
    case 'no-code': {
      const checks = input.checks.filter((c) => c.code === e.code).map((c) => c.id);
      const findings = input.findings.filter((f) => f.code === e.code).map((f) => f.code);
      const ok = checks.length === 0 && findings.length === 0;
      return { code: ok ? ExpectationCode.OK : ExpectationCode.EXPECTATION_FAILED, actual: { checks, findings: findings.length }, wanted: `no ${e.code}`, message: ok ? `no ${e.code}` : `${e.code} on ${checks.length > 0 ? checks.join(', ') : 'a finding'}` };
    }
    case 'pass': {
      const c = input.checks.find((x) => x.id === e.checkId);
      if (!c) return { code: ExpectationCode.EXPECTATION_UNMEASURED, actual: null, wanted: 'pass', message: `no check ${e.checkId} in the report` };
      return { code: c.status === 'pass' ? ExpectationCode.OK : ExpectationCode.EXPECTATION_FAILED, actual: `${c.status} ${c.code}`, wanted: 'pass', message: `${e.checkId}: ${c.status} (${c.code})`, transport: c.transport };
    }
  }
}

/** One check per expectation, in order. Pure. Evaluate after diagnosis so no-code/no-warn see the findings. */
export function evaluateExpectations(input: ExpectationInput, expectations: readonly Expectation[]): Check[] {
  return expectations.map((e) => {
    const v = judge(input, e);
    return makeCheck({
      id: checkId.expectation(e.rule),
      kind: 'expectation',
      target: e.rule,
      transport: v.transport ?? null,
      code: v.code,
      message: `${v.code === ExpectationCode.OK ? 'Met' : 'Not met'}: ${e.rule} (${v.message})`,
      durationMs: 0,
      details: { rule: e.rule, actual: v.actual, wanted: v.wanted },
    });
  });
}

/** One EXPECTATION_FAILED finding (error) citing every failed expectation check, or none. */
export function expectationFindings(checks: readonly Check[]): Finding[] {
  const failed = checks.filter((c) => c.kind === 'expectation' && c.status === 'fail');
  if (failed.length === 0) return [];
  const rules = failed.map((c) => c.target);
  const unmeasured = failed.filter((c) => c.code === ExpectationCode.EXPECTATION_UNMEASURED).length;
  return [
    {
      code: 'EXPECTATION_FAILED',
      severity: 'error',
      message: `${failed.length === 1 ? 'An expectation' : `${failed.length} expectations`} of this run failed: ${rules.join('; ')}${unmeasured > 0 ? ` (${unmeasured} never measured)` : ''}.`,
      advice: 'Fix what the other findings name, or if the gate is stricter than your users need, relax the --expect rule; an unmeasured rule needs the check it names to run (e.g. a TURN URL over that transport).',
      checkIds: failed.map((c) => c.id),
    },
  ];
}
