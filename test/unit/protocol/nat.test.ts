import { describe, expect, test } from 'vitest';
import { FakeClock } from '../../../src/net/clock.js';
import { discoverNat, judgeNat, lifetimeSteps, natCheck, type NatBehaviour, type NatObservations, type TestOutcome } from '../../../src/probes-node/nat.js';
import { advice, statusOf } from '../../../src/core/codes.js';
import { Check } from '../../../src/core/schema.js';
import type { TransportAddress } from '../../../src/stun/address.js';
import { parseIceUri } from '../../../src/core/uri.js';
import { CLIENT_IP, PUBLIC_IP, SERVER_IPS, SERVER_PORTS, SimNet, drive, type SimOptions } from './nat-sim.js';

const a = (address: string, port: number): TransportAddress => ({ family: 4, address, port });
const PRIMARY = a(SERVER_IPS[0], SERVER_PORTS[0]);
const OTHER = a(SERVER_IPS[1], SERVER_PORTS[1]);
const answer = (mapped: TransportAddress | null, from: TransportAddress, other: TransportAddress | null = null): TestOutcome => ({
  kind: 'answer',
  mapped,
  from,
  responseOrigin: from,
  otherAddress: other,
  rttMs: 10,
  sends: 1,
  attempts: 1,
});
const none: TestOutcome = { kind: 'no-answer', sends: 10, attempts: 2, elapsedMs: 6_000 };
const X1 = a(PUBLIC_IP, 40_000);
const obs = (o: Partial<NatObservations>): NatObservations => ({
  server: PRIMARY,
  local: a('0.0.0.0', 50_000),
  localAddresses: [CLIENT_IP],
  testI: answer(X1, PRIMARY, OTHER),
  ...o,
});

describe('judgeNat (pure): observations → verdict', () => {
  const rows: { name: string; o: Partial<NatObservations>; code: string; mapping: NatBehaviour; filtering: NatBehaviour; label: string }[] = [
    {
      name: 'full cone',
      o: { filterII: answer(X1, OTHER), filterIII: answer(X1, a(SERVER_IPS[0], SERVER_PORTS[1])), mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      label: 'full cone',
    },
    {
      name: 'restricted cone',
      o: { filterII: none, filterIII: answer(X1, a(SERVER_IPS[0], SERVER_PORTS[1])), mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'address-dependent',
      label: 'restricted cone',
    },
    {
      name: 'port-restricted cone',
      o: { filterII: none, filterIII: none, mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      label: 'port-restricted cone',
    },
    {
      name: 'symmetric, address-dependent mapping',
      o: { filterII: none, filterIII: none, mapII: answer(a(PUBLIC_IP, 40_001), a(SERVER_IPS[1], 3478)), mapIII: answer(a(PUBLIC_IP, 40_001), OTHER) },
      code: 'NAT_ADDRESS_DEPENDENT_MAPPING',
      mapping: 'address-dependent',
      filtering: 'address-and-port-dependent',
      label: 'symmetric',
    },
    {
      name: 'symmetric, address-and-port-dependent mapping',
      o: { filterII: none, filterIII: none, mapII: answer(a(PUBLIC_IP, 40_001), a(SERVER_IPS[1], 3478)), mapIII: answer(a(PUBLIC_IP, 40_002), OTHER) },
      code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING',
      mapping: 'address-and-port-dependent',
      filtering: 'address-and-port-dependent',
      label: 'symmetric',
    },
    {
      name: 'no OTHER-ADDRESS: unsupported, not a guess',
      o: { testI: answer(X1, PRIMARY, null) },
      code: 'NAT_UNSUPPORTED_SERVER',
      mapping: 'unknown',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'OTHER-ADDRESS equal to the primary IP: unsupported',
      o: { testI: answer(X1, PRIMARY, a(SERVER_IPS[0], SERVER_PORTS[1])) },
      code: 'NAT_UNSUPPORTED_SERVER',
      mapping: 'unknown',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: '420 to a plain Binding',
      o: { testI: { kind: 'error', errorCode: 420, from: PRIMARY, sends: 1, attempts: 1 } },
      code: 'NAT_UNSUPPORTED_SERVER',
      mapping: 'unknown',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: '420 to CHANGE-REQUEST: filtering unknown, mapping still measured',
      o: { filterII: { kind: 'error', errorCode: 420, from: PRIMARY, sends: 1, attempts: 1 }, filterIII: { kind: 'error', errorCode: 420, from: PRIMARY, sends: 1, attempts: 1 }, mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'CHANGE-REQUEST ignored (answered from the primary): filtering unknown, not "full cone"',
      o: { filterII: answer(X1, PRIMARY), filterIII: answer(X1, PRIMARY), mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'the other address never answers: incomplete',
      o: { filterII: none, filterIII: none, mapII: none, mapIII: none },
      code: 'NAT_INCOMPLETE',
      mapping: 'unknown',
      filtering: 'address-and-port-dependent',
      label: 'unknown',
    },
    {
      name: 'test I unanswered: TIMEOUT',
      o: { testI: none },
      code: 'TIMEOUT',
      mapping: 'unknown',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'test I failed with a socket error',
      o: { testI: { kind: 'failed', code: 'NETWORK_UNREACHABLE', detail: 'ENETUNREACH', sends: 1, attempts: 1 } },
      code: 'NETWORK_UNREACHABLE',
      mapping: 'unknown',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'a budget-cut filtering test is not a "no answer"',
      o: { filterII: { kind: 'failed', code: 'TIMEOUT', detail: 'budget', sends: 2, attempts: 1 }, filterIII: none, mapII: answer(X1, a(SERVER_IPS[1], 3478)), mapIII: answer(X1, OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'unknown',
      label: 'unknown',
    },
    {
      name: 'no NAT (X1 is our own address), no filtering',
      o: { testI: answer(a(CLIENT_IP, 50_000), PRIMARY, OTHER), filterII: answer(X1, OTHER), mapII: answer(a(CLIENT_IP, 50_000), a(SERVER_IPS[1], 3478)), mapIII: answer(a(CLIENT_IP, 50_000), OTHER) },
      code: 'OK',
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      label: 'open (no NAT, no filtering)',
    },
  ];
  test.each(rows)('$name', (r) => {
    const v = judgeNat(obs(r.o));
    expect({ code: v.code, mapping: v.mapping, filtering: v.filtering, label: v.classicLabel }).toEqual({ code: r.code, mapping: r.mapping, filtering: r.filtering, label: r.label });
  });

  test('evidence carries the mapped address of every test', () => {
    const v = judgeNat(obs(rows[4]!.o));
    expect(v.evidence).toMatchObject({ mappedAddress: `${PUBLIC_IP}:40000`, testI: { mapped: `${PUBLIC_IP}:40000` }, mapII: { mapped: `${PUBLIC_IP}:40001` }, mapIII: { mapped: `${PUBLIC_IP}:40002` } });
  });


  test('codes: status and advice', () => {
    expect(statusOf('NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING')).toBe('warn');
    expect(statusOf('NAT_ADDRESS_DEPENDENT_MAPPING')).toBe('warn');
    expect(statusOf('NAT_INCOMPLETE')).toBe('warn');
    expect(statusOf('NAT_UNSUPPORTED_SERVER')).toBe('skip');
    for (const c of ['NAT_ADDRESS_DEPENDENT_MAPPING', 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING', 'NAT_UNSUPPORTED_SERVER', 'NAT_INCOMPLETE']) expect(advice(c)).not.toBe(advice('TURN_ERROR'));
  });

  test('natCheck builds a schema-valid nat check', () => {
    const u = parseIceUri('stun:stun.example.com');
    if (!u.ok) throw new Error(u.problem);
    const c = natCheck(u.uri, judgeNat(obs(rows[4]!.o)), 1234);
    expect(Check.parse(c)).toMatchObject({ id: 'nat:stun:stun.example.com:3478', kind: 'nat', transport: 'udp', status: 'warn', code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING' });
    expect(c.details).toMatchObject({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', classicLabel: 'symmetric' });
  });
});

async function discover(o: SimOptions, extra: { attempts?: number; budgetMs?: number; lifetimeMaxSeconds?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const net = new SimNet(clock, o);
  const d = await drive(clock, discoverNat(net.socket(), PRIMARY, { clock, timeoutMs: extra.timeoutMs ?? 5_000, openSocket: net.openSocket, ...extra }));
  return { d, v: judgeNat(d.observations), net, elapsed: clock.now() };
}

const NATS: { mapping: SimOptions['mapping']; filtering: SimOptions['filtering']; want: { mapping: NatBehaviour; filtering: NatBehaviour; label: string; code: string } }[] = [
  { mapping: 'endpoint-independent', filtering: 'endpoint-independent', want: { mapping: 'endpoint-independent', filtering: 'endpoint-independent', label: 'full cone', code: 'OK' } },
  { mapping: 'endpoint-independent', filtering: 'address-dependent', want: { mapping: 'endpoint-independent', filtering: 'address-dependent', label: 'restricted cone', code: 'OK' } },
  { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', want: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', label: 'port-restricted cone', code: 'OK' } },
  { mapping: 'address-dependent', filtering: 'address-dependent', want: { mapping: 'address-dependent', filtering: 'address-dependent', label: 'symmetric', code: 'NAT_ADDRESS_DEPENDENT_MAPPING' } },
  { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', want: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', label: 'symmetric', code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING' } },
  { mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', want: { mapping: 'address-and-port-dependent', filtering: 'endpoint-independent', label: 'symmetric', code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING' } },
  { mapping: null, filtering: 'endpoint-independent', want: { mapping: 'endpoint-independent', filtering: 'endpoint-independent', label: 'open (no NAT, no filtering)', code: 'OK' } },
];

const verdictOf = (v: ReturnType<typeof judgeNat>) => ({ mapping: v.mapping, filtering: v.filtering, label: v.classicLabel, code: v.code });

describe('discoverNat (IO, simulated NAT and RFC 5780 server, fake clock)', () => {
  test.each(NATS)('mapping $mapping, filtering $filtering', async (row) => {
    const { v, elapsed } = await discover({ mapping: row.mapping, filtering: row.filtering });
    expect(verdictOf(v)).toEqual(row.want);
    // Bounded: the worst case (two strict filtering tests, repeated) stays well inside the budget.
    expect(elapsed).toBeLessThan(25_000);
  });

  test('the filtering tests run before the socket ever sends to the other address', async () => {
    const { net } = await discover({ mapping: 'endpoint-independent', filtering: 'address-dependent' });
    const firstToOther = net.log.findIndex((l) => l.dir === 'out' && l.to.startsWith(SERVER_IPS[1]));
    const lastChange = net.log.map((l, i) => ({ l, i })).filter(({ l }) => l.dir === 'in' && l.from === `${SERVER_IPS[0]}:${SERVER_PORTS[1]}`);
    expect(firstToOther).toBeGreaterThan(0);
    expect(lastChange.length).toBeGreaterThan(0);
    expect(Math.max(...lastChange.map((x) => x.i))).toBeLessThan(firstToOther);
  });

  test('"no answer" needs the full retransmission schedule, twice', async () => {
    const { d } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' });
    const f2 = d.observations.filterII;
    expect(f2).toMatchObject({ kind: 'no-answer', attempts: 2, sends: 10 });
  });

  test('RTO from the first round trip (3·RTT), clamped to [100, 500] ms', async () => {
    expect((await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', delayMs: 5 })).d.rtoMs).toBe(100);
    expect((await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', delayMs: 40 })).d.rtoMs).toBe(240);
    expect((await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', delayMs: 400 })).d.rtoMs).toBe(500);
  });

  // One lost datagram (or a few) must not change the verdict: drop the first transmission of every
  // request in turn, and the first answer of every request in turn.
  const lossy: { name: string; drop: SimOptions['drop'] }[] = [
    { name: 'every 3rd datagram lost', drop: ({ n }) => n % 3 === 0 },
    { name: 'the first send of every request lost', drop: firstOfEach('out') },
    { name: 'the first answer to every request lost', drop: firstOfEach('in') },
  ];
  for (const l of lossy) {
    test.each(NATS)(`${l.name}: mapping $mapping, filtering $filtering unchanged`, async (row) => {
      const { v } = await discover({ mapping: row.mapping, filtering: row.filtering, drop: l.drop });
      expect(verdictOf(v)).toEqual(row.want);
    });
  }

  test('one attempt would misread a full cone whose first CHANGE-REQUEST answers were all lost; the repeat does not', async () => {
    // Lose the first five answers from the other address: exactly filter-II's first schedule (Rc = 5).
    const drop = (): NonNullable<SimOptions['drop']> => {
      let n = 0;
      return ({ dir, from }) => dir === 'in' && from.address === SERVER_IPS[1] && ++n <= 5;
    };
    const once = await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', drop: drop() }, { attempts: 1 });
    expect(once.v.filtering).toBe('address-dependent');
    const twice = await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', drop: drop() });
    expect(twice.v.filtering).toBe('endpoint-independent');
  });

  test('server without RFC 5780 (no OTHER-ADDRESS): unsupported after one Binding', async () => {
    const { v, net } = await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', rfc5780: false });
    expect(v.code).toBe('NAT_UNSUPPORTED_SERVER');
    expect(net.log.filter((l) => l.dir === 'out')).toHaveLength(1);
  });

  test('server that 420s CHANGE-REQUEST: filtering unknown, mapping measured', async () => {
    const { v } = await discover({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', rejectChangeRequest: true });
    expect(verdictOf(v)).toEqual({ mapping: 'address-and-port-dependent', filtering: 'unknown', label: 'symmetric', code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING' });
  });

  test('server that ignores CHANGE-REQUEST is not mistaken for a full cone', async () => {
    const { v } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', ignoreChangeRequest: true });
    expect(v.filtering).toBe('unknown');
    expect(v.classicLabel).toBe('unknown');
  });

  test('the other IP is dead: incomplete, bounded', async () => {
    const { v, elapsed } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', altIpDead: true });
    expect(v.code).toBe('NAT_INCOMPLETE');
    expect(elapsed).toBeLessThan(25_000);
  });

  test('nothing answers: TIMEOUT at the bound', async () => {
    const { v, elapsed } = await discover({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', drop: () => true }, { timeoutMs: 3_000 });
    expect(v.code).toBe('TIMEOUT');
    expect(elapsed).toBeLessThanOrEqual(3_000);
  });

  test('a budget too small for the full schedule gives no filtering verdict, not a stricter one', async () => {
    const { v } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' }, { budgetMs: 1_500 });
    expect(v.filtering).toBe('unknown');
  });

  test.each([true, false])('hairpinning %s', async (hairpin) => {
    const { v } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', hairpin });
    expect(v.hairpinning).toBe(hairpin);
  });

  test('binding lifetime: a mapping that expires after 5 s idle', async () => {
    const { d } = await discover({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', mappingTimeoutMs: 5_000 }, { lifetimeMaxSeconds: 60 });
    expect(d.lifetime).toMatchObject({ aliveAfterSeconds: 4, expiredBySeconds: 8, testedSeconds: [1, 2, 4, 8], method: 'response-port' });
  });

  test('binding lifetime: alive through the bound', async () => {
    const { d } = await discover({ mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' }, { lifetimeMaxSeconds: 10 });
    expect(d.lifetime).toMatchObject({ aliveAfterSeconds: 10, expiredBySeconds: null, testedSeconds: [1, 2, 4, 8, 10] });
  });

  test('lifetime steps double and end at the bound; the bound is capped', () => {
    expect(lifetimeSteps(10)).toEqual([1, 2, 4, 8, 10]);
    expect(lifetimeSteps(1)).toEqual([1]);
    expect(lifetimeSteps(0)).toEqual([]);
    expect(lifetimeSteps(100_000).at(-1)).toBe(600);
  });
});

/** Drop the first datagram of each transaction in one direction. */
function firstOfEach(dir: 'out' | 'in'): NonNullable<SimOptions['drop']> {
  const seen = new Set<string>();
  return (d) => {
    if (d.dir !== dir) return false;
    const k = d.data.subarray(8, 20).toString('hex');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
}
