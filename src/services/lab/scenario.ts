/**
 * NAT lab scenarios: data files (JSON) that describe one site's NAT, firewall, rate limit and
 * loss, the TURN server's state, an optional second NAT'd site, and what a correct diagnosis
 * must say. The shipped ones live in `fixtures/lab/*.json`; a user can write their own and pass
 * its path. Validated with zod; every problem is reported with its JSON path (ConfigError).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../../core/package-root.js';
import { ConfigError, UsageError } from '../../core/errors.js';

/** RFC 4787 mapping behaviour, and how the lab router produces it. */
export const NatMapping = z.enum([
  'none', // routed, no NAT: the client's own address is public
  'endpoint-independent', // MASQUERADE (Linux keeps the source port → same mapping for every destination)
  'address-and-port-dependent', // MASQUERADE --random-fully (a new random port per destination)
]);
export type NatMapping = z.infer<typeof NatMapping>;

/** RFC 4787 filtering behaviour. Linux conntrack is address-and-port-dependent by itself. */
export const NatFiltering = z.enum([
  'endpoint-independent', // any host may send to a mapped port (DNAT of unsolicited inbound UDP to the client)
  'address-dependent', // hosts the client has sent to may send from any port (xt_recent + DNAT)
  'address-and-port-dependent', // only the exact destination may answer (plain conntrack)
]);
export type NatFiltering = z.infer<typeof NatFiltering>;

const Port = z.number().int().min(1).max(65_535);

/** One egress rule (client → internet), evaluated in order for new flows; default is allow. */
export const FirewallRule = z
  .object({
    action: z.enum(['allow', 'drop', 'reject']),
    protocol: z.enum(['udp', 'tcp', 'all']).default('all'),
    /** "server": the TURN server's addresses; "any"; or an IPv4 CIDR inside 198.18.0.0/15. */
    to: z.string().default('any'),
    ports: z.array(Port).min(1).max(15).optional(),
    /** Which IP version the rule filters (IPv6 only exists in an `ipv6` scenario; a CIDR is IPv4). */
    family: z.enum(['ipv4', 'ipv6', 'both']).default('ipv4'),
  })
  .strict()
  .refine((r) => r.family === 'ipv4' || r.to === 'server' || r.to === 'any', { message: 'an IPv6 rule goes "to" "server" or "any"', path: ['to'] })
  .refine((r) => r.ports === undefined || r.protocol !== 'all', { message: 'ports need protocol "udp" or "tcp"', path: ['ports'] })
  .refine((r) => r.to === 'server' || r.to === 'any' || isLabCidr(r.to), {
    message: 'to must be "server", "any" or an IPv4 address/CIDR inside 198.18.0.0/15',
    path: ['to'],
  });
export type FirewallRule = z.infer<typeof FirewallRule>;

export const RateLimit = z
  .object({
    bitsPerSecond: z.number().int().min(64_000).max(10_000_000_000),
    /** tbf bucket in bytes; default max(16 KiB, 10 ms of rate). */
    burstBytes: z.number().int().min(1_600).max(10_000_000).optional(),
    /**
     * The shaper's queue, as the longest a packet may wait in it (tbf latency; default 100 ms, a
     * bufferbloated modem). A shallow queue (20-30 ms) is a well-run shaper.
     */
    queueMs: z.number().int().min(1).max(2_000).optional(),
    /** up: router's internet-side egress; down: router's LAN-side egress. */
    direction: z.enum(['both', 'up', 'down']).default('both'),
  })
  .strict();
export type RateLimit = z.infer<typeof RateLimit>;

export const Loss = z
  .object({
    percent: z.number().min(0).max(100),
    protocol: z.enum(['udp', 'tcp', 'all']).default('all'),
    direction: z.enum(['both', 'up', 'down']).default('both'),
  })
  .strict();
export type Loss = z.infer<typeof Loss>;

export const Site = z
  .object({
    nat: z
      .object({ mapping: NatMapping, filtering: NatFiltering.optional() })
      .strict()
      .default({ mapping: 'endpoint-independent' }),
    firewall: z.array(FirewallRule).default([]),
    rateLimit: RateLimit.optional(),
    loss: Loss.optional(),
  })
  .strict();
export type Site = z.infer<typeof Site>;

export const TurnOptions = z
  .object({
    /** No server at all: its addresses exist but nothing listens. */
    down: z.boolean().default(false),
    /** The client is given a wrong password (the server keeps the right one). */
    wrongCredentials: z.boolean().default(false),
    port: Port.default(3478),
    tlsPort: Port.default(5349),
    tls: z.boolean().default(true),
    /**
     * The server's own firewall (cloud security group) drops inbound UDP to coturn's relay port
     * range (min-port..max-port, RELAY_PORT_RANGE) while its listening ports stay open.
     */
    relayPortsBlocked: z.boolean().default(false),
    /**
     * coturn's external-ip: the relayed address it advertises instead of its own (a 1:1 NAT set
     * up wrong). A lab address that no namespace holds.
     */
    externalIp: z.string().refine((x) => isLabCidr(x) && !x.includes('/'), { message: 'an IPv4 address inside 198.18.0.0/15' }).optional(),
  })
  .strict();
export type TurnOptions = z.infer<typeof TurnOptions>;

export const TransportExpectation = z.enum(['pass', 'fail']);

export const Expectations = z
  .object({
    findings: z
      .object({ present: z.array(z.string()).default([]), absent: z.array(z.string()).default([]) })
      .strict()
      .default({ present: [], absent: [] }),
    transports: z
      .object({ udp: TransportExpectation.optional(), tcp: TransportExpectation.optional(), tls: TransportExpectation.optional() })
      .strict()
      .default({}),
    groundTruth: z
      .object({
        /** The steady rate of the TURN/UDP relay call within ±N % of rateLimit.bitsPerSecond (see lab/expect.ts). */
        throughputWithinPercent: z.number().min(1).max(100).optional(),
        /**
         * The headline figure of each relay-forced call (one per TURN transport) within ±N % of
         * what the lab's minimal two-peer page (src/services/lab/reference.ts) delivers over the
         * same TURN URL and link, and never above the shaper's rate.
         */
        throughputVsReferencePercent: z.number().min(1).max(100).optional(),
        /** Loss from iceprobe's path-quality bursts within ±N percentage points of loss.percent. */
        lossNearPercent: z.number().min(0.1).max(50).optional(),
        /** true: every srflx address is the router's public address; false: every one is the client's own (no NAT). */
        srflxIsRouterPublic: z.boolean().optional(),
        /** One socket, two STUN destinations: the public port differs per destination (symmetric NAT) or not. */
        srflxPortDiffersPerDestination: z.boolean().optional(),
        /** A call between the two sites needs a relay (what the NAT types say). */
        relayNeeded: z.boolean().optional(),
        /** The browser reports the client's own IPv6 address as a host candidate (true), or no IPv6 candidate at all (false). */
        ipv6HostCandidate: z.boolean().optional(),
        /** The TURN server's IPv6 address answers a STUN Binding from the client (the lab's own probe, over TCP). */
        ipv6ServerAnswers: z.boolean().optional(),
        /**
         * Datagrams from the client reach the server's relay port range (the lab's own UDP probe to
         * a listener in the range; iceprobe's relay-reach checks), or not.
         */
        relayReachable: z.boolean().optional(),
        /** The relayed address coturn advertises is one of the server's addresses (relay-reach details). */
        relayAddressIsServer: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type Expectations = z.infer<typeof Expectations>;

export const Scenario = z
  .object({
    $schema: z.string().optional(),
    /** How the lab runs the check for this scenario. */
    check: z
      .object({
        /** At least this many seconds of data per call (ground truth needs a transfer past slow start). */
        minDurationS: z.number().min(0.5).max(10).optional(),
      })
      .strict()
      .default({}),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes'),
    description: z.string().min(1),
    ...Site.shape,
    turn: TurnOptions.default({ down: false, wrongCredentials: false, port: 3478, tlsPort: 5349, tls: true, relayPortsBlocked: false }),
    /** A second NAT'd site with its own router and client, for two-site calls. */
    secondSite: Site.optional(),
    /**
     * Dual stack: the servers, routers and clients also get IPv6 addresses from 2001:db8::/32
     * (routed, no NAT66; the router keeps a stateful firewall), and the check addresses the TURN
     * server by a name with an A and an AAAA record (LAB_SERVER_NAME, in the client's hosts file).
     */
    ipv6: z.boolean().default(false),
    expect: Expectations.default({ findings: { present: [], absent: [] }, transports: {}, groundTruth: {} }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.expect.groundTruth.throughputVsReferencePercent !== undefined && !s.rateLimit) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'throughputVsReferencePercent'], message: 'needs a rateLimit' });
    }
    if (s.expect.groundTruth.throughputWithinPercent !== undefined && !s.rateLimit) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'throughputWithinPercent'], message: 'needs a rateLimit' });
    }
    if (s.expect.groundTruth.lossNearPercent !== undefined && !s.loss) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'lossNearPercent'], message: 'needs a loss' });
    }
    if (s.expect.groundTruth.relayNeeded !== undefined && !s.secondSite) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'relayNeeded'], message: 'needs a secondSite' });
    }
    if (s.expect.groundTruth.relayNeeded !== undefined && s.secondSite && s.expect.groundTruth.relayNeeded !== relayNeededBetween(s.nat, s.secondSite.nat)) {
      // A scenario cannot claim what its NAT types contradict (RFC 4787; relayNeededBetween).
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'relayNeeded'], message: `the NAT types say ${String(relayNeededBetween(s.nat, s.secondSite.nat))}` });
    }
    if (s.expect.groundTruth.lossNearPercent !== undefined && s.loss?.protocol === 'tcp') {
      ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', 'lossNearPercent'], message: 'loss is measured over UDP: needs loss.protocol "udp" or "all"' });
    }
    for (const [path, site] of [[[], s], [['secondSite'], s.secondSite]] as const) {
      const f = site?.nat.filtering;
      if (site && f !== undefined && f !== 'address-and-port-dependent' && site.nat.mapping !== 'endpoint-independent') {
        // The lab opens inbound by DNAT to the client's own port, which only matches a port-preserving mapping.
        ctx.addIssue({ code: 'custom', path: [...path, 'nat', 'filtering'], message: `"${f}" filtering needs mapping "endpoint-independent"` });
      }
    }
    const v6Rules = [...s.firewall, ...(s.secondSite?.firewall ?? [])].some((r) => r.family !== 'ipv4');
    if (!s.ipv6 && v6Rules) ctx.addIssue({ code: 'custom', path: ['ipv6'], message: 'firewall rules for IPv6 need "ipv6": true' });
    for (const k of ['ipv6HostCandidate', 'ipv6ServerAnswers'] as const) {
      if (s.expect.groundTruth[k] !== undefined && !s.ipv6) ctx.addIssue({ code: 'custom', path: ['expect', 'groundTruth', k], message: 'needs "ipv6": true' });
    }
    if (s.turn.externalIp !== undefined && ['198.18.0.1', '198.18.0.2', '198.18.0.10', '198.18.0.20'].includes(s.turn.externalIp)) {
      ctx.addIssue({ code: 'custom', path: ['turn', 'externalIp'], message: 'must be an address no lab namespace holds' });
    }
    if (s.turn.tls && s.turn.tlsPort === s.turn.port) {
      ctx.addIssue({ code: 'custom', path: ['turn', 'tlsPort'], message: 'must differ from turn.port' });
    }
  });
export type Scenario = z.infer<typeof Scenario>;

/** 198.18.0.0/15 (RFC 2544 benchmarking): the only addresses the lab uses or lets a scenario name. */
export function isLabCidr(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s);
  if (!m) return false;
  const o = m.slice(1, 5).map(Number);
  const len = m[5] === undefined ? 32 : Number(m[5]);
  if (o.some((x) => x > 255) || len < 15 || len > 32) return false;
  return o[0] === 198 && (o[1] === 18 || o[1] === 19);
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

export { packageRoot };

export function parseScenario(json: unknown, label = 'scenario'): Scenario {
  const r = Scenario.safeParse(json);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${label}: ${pathOf(i.path)}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`));
}


export function scenarioDir(): string {
  return join(packageRoot(), 'fixtures', 'lab');
}

export interface ScenarioEntry {
  name: string;
  description: string;
  file: string;
}

export function listScenarios(dir = scenarioDir()): ScenarioEntry[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const s = loadScenarioFile(file);
      return { name: s.name, description: s.description, file };
    });
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`${file}: cannot read the scenario file (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${file}: not valid JSON (${(e as Error).message})`]);
  }
  return parseScenario(json, file);
}

/** A shipped scenario's name (`symmetric-nat`) or the path of a user's scenario file. */
export function loadScenario(nameOrPath: string, dir = scenarioDir()): Scenario {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) return loadScenarioFile(resolve(nameOrPath));
  const file = join(dir, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    const known = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    throw new UsageError(`unknown lab scenario "${nameOrPath}"; known: ${known.join(', ')}; or pass the path of a scenario .json file`);
  }
  return loadScenarioFile(file);
}

/**
 * What the NAT types say about a direct call between two sites (RFC 4787 terms): hole punching
 * fails when one side picks a new port per destination and the other side only lets in the
 * exact address and port it sent to, or when both pick new ports.
 */
export function relayNeededBetween(a: Site['nat'], b: Site['nat']): boolean {
  const sym = (n: Site['nat']) => n.mapping === 'address-and-port-dependent';
  const strictFilter = (n: Site['nat']) => n.mapping !== 'none' && (n.filtering ?? 'address-and-port-dependent') === 'address-and-port-dependent';
  const open = (n: Site['nat']) => n.mapping === 'none' || n.filtering === 'endpoint-independent';
  if (open(a) || open(b)) return false;
  if (sym(a) && sym(b)) return true;
  if (sym(a) && strictFilter(b)) return true;
  if (sym(b) && strictFilter(a)) return true;
  return false;
}
