/**
 * The call runner's order of work (src/browser/call-runner.ts) against fake call pages: which
 * calls wait for the loss bursts, and when a data phase stops. The pages answer at once; the
 * runner's own polling runs at 1 ms, so nothing here waits on a network or a clock of consequence.
 */
import { describe, expect, it } from 'vitest';
import { runCalls, type CallRunOptions } from '../../src/browser/call-runner.js';
import type { PlannedCall } from '../../src/browser/calls.js';
import type { CallResult, CallSpec, ReceiveCount } from '../../probes/types.js';

type Pair = NonNullable<CallResult['selectedPair']>;
const cand = (type: 'host' | 'relay'): Pair['local'] => ({ type, protocol: 'udp', relayProtocol: type === 'relay' ? 'udp' : null, address: '127.0.0.1', port: 50_000, url: null });

function result(role: CallSpec['role'], pair: Pair | null): CallResult {
  return {
    role, ok: true, failedPhase: null, error: null, phases: [{ name: 'datachannel-open', atMs: 120 }], iceStates: [], localCandidates: [], remoteCandidates: [],
    selectedPair: pair, selectedPairChanges: 0, samples: [], bytes: 1_000_000, appBytes: 1_000_000, dataMs: 200, rtts: [1], media: null,
  };
}

/** Both call pages in one fake: every call connects; relay-forced ones over a relay pair, policy all host to host. */
function fakePages() {
  const log: string[] = [];
  const specs = new Map<string, CallSpec>();
  const stops = new Map<string, () => void>();
  const counters = new Map<string, ReceiveCount[]>();
  const pairOf = (key: string): Pair => (specs.get(key)?.policy === 'relay' ? { local: cand('relay'), remote: cand('relay') } : { local: cand('host'), remote: cand('host') });
  const page = {
    evaluate: async (expression: string): Promise<unknown> => {
      const m = /^window\.iceprobe\.(\w+)\((.*)\)$/s.exec(expression);
      if (!m) throw new Error(`unexpected expression ${expression}`);
      const fn = m[1] as string;
      const args = JSON.parse(`[${m[2] ?? ''}]`) as unknown[];
      const key = typeof args[0] === 'string' ? args[0] : '';
      log.push(`${fn}:${key.split(':')[0]?.split('-').slice(0, -1).join('-') ?? ''}`);
      switch (fn) {
        case 'callOpen': {
          const spec = args[0] as CallSpec;
          const k = `${spec.room}:${spec.role}`;
          specs.set(k, spec);
          return { key: k, open: true, result: result(spec.role, pairOf(k)) };
        }
        case 'callReceive':
          counters.set(key, []);
          return undefined;
        case 'callSend':
          return new Promise<CallResult>((resolve) => {
            const done = () => resolve(result('caller', pairOf(key)));
            stops.set(key, done);
            setTimeout(done, (args[1] as { durationMs: number }).durationMs);
          });
        case 'callStop':
          stops.get(key)?.();
          return true;
        case 'callCounter': {
          const c = counters.get(key) ?? [];
          const n = c.length + 1;
          c.push({ atMs: 250 * n, bytes: 300_000 * n, packets: 250 * n, sentBytes: 1_000 * n, sentPackets: 10 * n, appBytes: 280_000 * n, appAtMs: 250 * n });
          return c.slice((args[1] as number | undefined) ?? 0);
        }
        case 'callFinish':
        case 'callClose':
          return result(key.endsWith(':caller') ? 'caller' : 'callee', pairOf(key));
        case 'callAbort':
          return true;
        default:
          throw new Error(`unexpected ${fn}`);
      }
    },
  };
  return { pages: { caller: page, callee: page }, log };
}

const plan = (id: string, policy: 'relay' | 'all', extra: Partial<PlannedCall> = {}): PlannedCall => ({ id, policy, transport: policy === 'relay' ? 'udp' : null, servers: [], skip: null, ...extra });
const options = (o: Partial<CallRunOptions> = {}): CallRunOptions => ({ relayUrl: 'ws://relay.example.com', setupTimeoutMs: 1_000, durationMs: 60, media: false, sampleMs: 1, convergence: null, ...o });

describe('runCalls', () => {
  it('judges a call without a data phase (host pair) before the loss bursts end, and reports in plan order', async () => {
    const { pages, log } = fakePages();
    let burstsOver = () => undefined as void;
    const dataAfter = new Promise<void>((r) => (burstsOver = r));
    const running = runCalls(pages, [plan('relay-udp', 'relay'), plan('all', 'all')], options({ dataAfter }));
    await expect.poll(() => log.includes('callClose:all'), { interval: 1, timeout: 2_000 }).toBe(true);
    expect(log.filter((l) => l.startsWith('callSend'))).toEqual([]);
    burstsOver();
    const out = await running;
    expect(out.map((r) => r.call.id)).toEqual(['relay-udp', 'all']);
    expect(out.map((r) => r.check.status)).toEqual(['pass', 'pass']);
    expect(out[1]?.check.details.dataPhase).toMatch(/^none/);
    expect(log.indexOf('callClose:all')).toBeLessThan(log.indexOf('callSend:relay-udp'));
  });

  it('stops the one-sided call once data reached its far end (delivered), a relay call without a rule runs to the cap', async () => {
    const { pages } = fakePages();
    const oneSided = plan('relay-one-side-udp', 'relay', { directCallee: { servers: [] } });
    const out = await runCalls(pages, [plan('relay-udp', 'relay'), oneSided], options({ durationMs: 200 }));
    expect(out.map((r) => r.check.details.dataStoppedBy)).toEqual(['duration', 'delivered']);
  });
});
