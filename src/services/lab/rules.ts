/**
 * Pure translation of a scenario site into the router's configuration: the address plan, the
 * iptables-restore text (NAT, filtering, firewall, loss) and the tc commands (rate limit).
 * No I/O here, so every rule the lab installs is unit-tested as text.
 *
 * Router interfaces: `wan` (internet side, 198.18.0.0/24) and `lan` (the site's client LAN).
 */
import type { FirewallRule, Site } from './scenario.js';

/** All lab addresses are inside 198.18.0.0/15 (RFC 2544). */
export const ADDRESS_PLAN = {
  /** Every lab address (RFC 2544's benchmarking range): the internet namespace's route to "the rest". */
  labCidr: '198.18.0.0/15',
  internetCidr: '198.18.0.0/24',
  internetPrefix: 24,
  /** The TURN server's two addresses (two, for RFC 5780 OTHER-ADDRESS). */
  servers: ['198.18.0.1', '198.18.0.2'] as const,
  sites: [
    { wan: '198.18.0.10', lanCidr: '198.19.1.0/24', routerLan: '198.19.1.1', client: '198.19.1.10' },
    { wan: '198.18.0.20', lanCidr: '198.19.2.0/24', routerLan: '198.19.2.1', client: '198.19.2.10' },
  ] as const,
  lanPrefix: 24,
  /**
   * IPv6 (scenarios with `ipv6`), all inside 2001:db8::/32 (RFC 3849, documentation): the
   * internet is 2001:db8::/64, each site's LAN its own /64, routed through the site's router.
   */
  v6: {
    labCidr: '2001:db8::/32',
    internetPrefix: 64,
    servers: ['2001:db8::1', '2001:db8::2'] as const,
    sites: [
      { wan: '2001:db8::10', lanCidr: '2001:db8:1::/64', routerLan: '2001:db8:1::1', client: '2001:db8:1::10' },
      { wan: '2001:db8::20', lanCidr: '2001:db8:2::/64', routerLan: '2001:db8:2::1', client: '2001:db8:2::10' },
    ] as const,
    lanPrefix: 64,
  },
} as const;

/** The TURN server's name in dual-stack scenarios: an A and an AAAA record in the client's hosts file. */
export const LAB_SERVER_NAME = 'turn.lab.test';

/**
 * /etc files for a lab client namespace (`ip netns exec` mounts /etc/netns/<ns>/<file> over
 * /etc/<file>): the server's name in hosts; nsswitch.conf and resolv.conf plain enough that
 * Chromium's own resolver (which WebRTC uses for STUN/TURN names) takes the configuration —
 * with the host's (mdns4_minimal, a nameserver the lab cannot reach) it does not, and never
 * sees the hosts file. The nameserver is the lab server: nothing answers port 53 there, so a
 * name not in hosts fails at once.
 */
export function labClientEtc(): Record<'hosts' | 'nsswitch.conf' | 'resolv.conf', string> {
  const [a] = ADDRESS_PLAN.servers;
  const [a6] = ADDRESS_PLAN.v6.servers;
  return {
    hosts: `127.0.0.1 localhost\n::1 localhost\n${a} ${LAB_SERVER_NAME}\n${a6} ${LAB_SERVER_NAME}\n`,
    'nsswitch.conf': 'hosts: files dns\n',
    'resolv.conf': `nameserver ${a}\noptions timeout:1 attempts:1\n`,
  };
}

export type SitePlan = (typeof ADDRESS_PLAN.sites)[number];

export const WAN_IF = 'wan';
export const LAN_IF = 'lan';

export interface RuleContext {
  plan: SitePlan;
  serverIps: readonly string[];
}

function target(rule: FirewallRule, serverIps: readonly string[]): string[] {
  if (rule.to === 'any') return [];
  if (rule.to === 'server') return ['-d', serverIps.join(',')];
  return ['-d', rule.to];
}

function firewallLine(rule: FirewallRule, serverIps: readonly string[]): string {
  const parts = ['-A', 'IPB_EGRESS'];
  if (rule.protocol !== 'all') parts.push('-p', rule.protocol);
  parts.push(...target(rule, serverIps));
  if (rule.ports) parts.push('-m', 'multiport', '--dports', rule.ports.join(','));
  if (rule.action === 'allow') parts.push('-j', 'ACCEPT');
  else if (rule.action === 'drop') parts.push('-j', 'DROP');
  else parts.push('-j', 'REJECT', ...(rule.protocol === 'tcp' ? ['--reject-with', 'tcp-reset'] : []));
  return parts.join(' ');
}

/**
 * The router's IPv6 ruleset, for `ip6tables-restore`: routed (no NAT66), with the stateful
 * firewall of a home or office router — out allowed (then the scenario's IPv6 firewall rules),
 * only answers back in. ICMPv6 passes: without neighbour discovery nothing works, and path-MTU
 * and unreachable messages are part of the path.
 */
export function routerRules6(site: Site, serverIps6: readonly string[]): string {
  const filter: string[] = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ':IPB_EGRESS - [0:0]'];
  filter.push('-A INPUT -i lo -j ACCEPT', '-A INPUT -p ipv6-icmp -j ACCEPT', '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', `-A INPUT -i ${WAN_IF} -j DROP`);
  filter.push('-A FORWARD -p ipv6-icmp -j ACCEPT', '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  filter.push(`-A FORWARD -i ${LAN_IF} -o ${WAN_IF} -j IPB_EGRESS`);
  for (const r of site.firewall) if (r.family !== 'ipv4') filter.push(firewallLine(r, serverIps6));
  filter.push('-A IPB_EGRESS -j ACCEPT', 'COMMIT');
  return `${filter.join('\n')}\n`;
}

/** `-m statistic` probability with enough digits; 5 % → 0.05. */
export function probability(percent: number): string {
  return String(Math.round(percent * 10_000) / 1_000_000);
}

/** The router's whole ruleset, for `iptables-restore` (replaces the namespace's empty tables). */
export function routerRules(site: Site, ctx: RuleContext): string {
  const { plan } = ctx;
  const filter: string[] = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ':IPB_EGRESS - [0:0]'];
  // The router itself: only answers what it asked for from the internet side. Dropping in INPUT
  // also keeps unsolicited packets from creating conntrack entries that would steal a mapping.
  filter.push('-A INPUT -i lo -j ACCEPT', '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', `-A INPUT -i ${WAN_IF} -j DROP`);
  if (site.loss && site.loss.percent > 0) {
    const p = probability(site.loss.percent);
    const proto = site.loss.protocol === 'all' ? '' : ` -p ${site.loss.protocol}`;
    if (site.loss.direction !== 'down') filter.push(`-A FORWARD -i ${LAN_IF} -o ${WAN_IF}${proto} -m statistic --mode random --probability ${p} -j DROP`);
    if (site.loss.direction !== 'up') filter.push(`-A FORWARD -i ${WAN_IF} -o ${LAN_IF}${proto} -m statistic --mode random --probability ${p} -j DROP`);
  }
  filter.push('-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT');
  filter.push(`-A FORWARD -i ${LAN_IF} -o ${WAN_IF} -j IPB_EGRESS`);
  const mapping = site.nat.mapping;
  const filtering = site.nat.filtering ?? 'address-and-port-dependent';
  if (mapping === 'none') {
    // Public addressing: a plain router, inbound open (the firewall rules still limit egress).
    filter.push(`-A FORWARD -i ${WAN_IF} -o ${LAN_IF} -j ACCEPT`);
  } else if (filtering !== 'address-and-port-dependent') {
    filter.push(`-A FORWARD -i ${WAN_IF} -o ${LAN_IF} -m conntrack --ctstate DNAT -j ACCEPT`);
  }
  if (mapping !== 'none' && filtering === 'address-dependent') {
    // Remember every address the client sent to (any port) for the inbound check in nat/PREROUTING.
    filter.push(`-A IPB_EGRESS -m recent --name ipb_sent --rdest --set`);
  }
  for (const r of site.firewall) if (r.family !== 'ipv6') filter.push(firewallLine(r, ctx.serverIps));
  filter.push('-A IPB_EGRESS -j ACCEPT', 'COMMIT');

  const nat: string[] = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  if (mapping !== 'none') {
    if (filtering === 'endpoint-independent') nat.push(`-A PREROUTING -i ${WAN_IF} -p udp -j DNAT --to-destination ${plan.client}`);
    if (filtering === 'address-dependent') {
      nat.push(`-A PREROUTING -i ${WAN_IF} -p udp -m recent --name ipb_sent --rsource --rcheck -j DNAT --to-destination ${plan.client}`);
    }
    nat.push(`-A POSTROUTING -o ${WAN_IF} -s ${plan.lanCidr} -j MASQUERADE${mapping === 'address-and-port-dependent' ? ' --random-fully' : ''}`);
  }
  nat.push('COMMIT');
  return `${filter.join('\n')}\n${nat.join('\n')}\n`;
}

/** tbf bucket: at least 16 KiB (≥ 10 MTUs), or 10 ms of the rate when that is larger. */
export function burstBytes(bitsPerSecond: number, given?: number): number {
  return given ?? Math.max(16_384, Math.ceil(bitsPerSecond / 8 / 100));
}

/** `tc` argument lists for the site's rate limit (empty without one). */
export function tcCommands(site: Site): string[][] {
  const rl = site.rateLimit;
  if (!rl) return [];
  const burst = burstBytes(rl.bitsPerSecond, rl.burstBytes);
  const tbf = (dev: string) => ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${rl.bitsPerSecond}bit`, 'burst', String(burst), 'latency', `${rl.queueMs ?? 100}ms`];
  const out: string[][] = [];
  if (rl.direction !== 'down') out.push(tbf(WAN_IF));
  if (rl.direction !== 'up') out.push(tbf(LAN_IF));
  return out;
}

/** coturn's relay port range in the lab: its defaults (min-port 49152, max-port 65535), passed explicitly. */
export const RELAY_PORT_RANGE = { min: 49_152, max: 65_535 } as const;

/** The internet namespace's bridge: the server's side of "the internet". */
export const SERVER_IF = 'br0';

/**
 * The TURN server's own firewall, for `iptables-restore` in the internet namespace: empty unless
 * the scenario blocks the relay range. Then inbound UDP from the internet (the bridge) to
 * min-port..max-port is dropped — a host firewall or network ACL that opens only 3478/5349/443,
 * stateless, so not even answers to what the relay sent get in. Traffic the server sends itself
 * (relay to relay, over lo) still passes: that is why a call relayed at both ends works.
 */
export function serverRules(turn: { relayPortsBlocked: boolean }): string | null {
  if (!turn.relayPortsBlocked) return null;
  const { min, max } = RELAY_PORT_RANGE;
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `-A INPUT -i ${SERVER_IF} -p udp --dport ${min}:${max} -j DROP`,
    'COMMIT',
    '',
  ].join('\n');
}

/** coturn arguments for the scenario's relay: the explicit port range, and a wrong external-ip. */
export function coturnRelayArgs(turn: { externalIp?: string | undefined }, relayIp: string): string[] {
  const args = [`--min-port=${RELAY_PORT_RANGE.min}`, `--max-port=${RELAY_PORT_RANGE.max}`];
  if (turn.externalIp !== undefined) args.push(`--external-ip=${turn.externalIp}/${relayIp}`);
  return args;
}
