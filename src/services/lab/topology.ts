/**
 * Builds and tears down the lab network:
 *
 *   ipb-<id>-inet   "the internet": bridge br0 carrying 198.18.0.1 and 198.18.0.2 (the TURN
 *                   server's two addresses) and one veth per site router.
 *   ipb-<id>-ra     site A router: wan 198.18.0.10, lan 198.19.1.1; NAT, firewall, tc.
 *   ipb-<id>-ca     site A client: 198.19.1.10, default route via the router.
 *   ipb-<id>-rb/-cb optional second site: wan 198.18.0.20, LAN 198.19.2.0/24.
 *
 * Everything lives inside the namespaces (veths are created there, not on the host), so
 * deleting them removes all of it. Teardown is registered with registerCleanup: Ctrl-C leaves
 * nothing; `labDown()` removes what a killed run left.
 */
import { execFileSync } from 'node:child_process';
import { registerCleanup } from '../../core/lifecycle.js';
import { exec } from './exec.js';
import { createNamespace, deleteNamespace, iptablesFlavor, newRunId, nsName, removeNamespaceEtc, requireLabEnvironment, runInNamespace, signal, writeNamespaceEtc } from './netns.js';
import { ADDRESS_PLAN, LAN_IF, WAN_IF, labClientEtc, routerRules, routerRules6, tcCommands, type SitePlan } from './rules.js';
import type { Site } from './scenario.js';

export interface SiteTopology {
  index: number;
  spec: Site;
  router: string;
  client: string;
  /** The router's internet-side address: what a NAT'd client's srflx must be. */
  publicIp: string;
  clientIp: string;
  routerLanIp: string;
  lanCidr: string;
  /** The client's IPv6 address (routed, no NAT66), in dual-stack topologies. */
  clientIp6: string | null;
}

export interface Topology {
  runId: string;
  internet: string;
  serverIps: readonly [string, string];
  /** The servers' IPv6 addresses in dual-stack topologies. */
  serverIps6: readonly [string, string] | null;
  sites: SiteTopology[];
  namespaces: string[];
  buildMs: number;
  /** Idempotent; resolves with how long it took. */
  teardown: () => Promise<number>;
}

export interface TopologySpec {
  site: Site;
  secondSite?: Site | undefined;
  /** Dual stack (scenario `ipv6`): IPv6 from ADDRESS_PLAN.v6 next to IPv4 everywhere. */
  ipv6?: boolean;
}

export interface BuildOptions {
  runId?: string;
  onProgress?: (msg: string) => void;
}

/** `ip -n <ns> -batch -`: many ip commands in one exec. */
async function ipBatch(ns: string, lines: string[]): Promise<void> {
  await exec('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

export async function buildTopology(spec: TopologySpec, opts: BuildOptions = {}): Promise<Topology> {
  await requireLabEnvironment({ needTurnserver: false });
  const t0 = performance.now();
  const runId = opts.runId ?? newRunId();
  const internet = nsName(runId, 'inet');
  const specs = [spec.site, ...(spec.secondSite ? [spec.secondSite] : [])];
  const sites: SiteTopology[] = specs.map((s, i) => {
    const plan = ADDRESS_PLAN.sites[i] as SitePlan;
    const letter = 'ab'[i] ?? String(i);
    return {
      index: i,
      spec: s,
      router: nsName(runId, `r${letter}`),
      client: nsName(runId, `c${letter}`),
      publicIp: plan.wan,
      clientIp: plan.client,
      routerLanIp: plan.routerLan,
      lanCidr: plan.lanCidr,
      clientIp6: spec.ipv6 ? (ADDRESS_PLAN.v6.sites[i]?.client ?? null) : null,
    };
  });
  const v6 = spec.ipv6 === true;
  const namespaces = [internet, ...sites.flatMap((s) => [s.router, s.client])];
  const created: string[] = [];

  let torn: Promise<number> | null = null;
  let tornDone = false;
  const teardown = () => {
    torn ??= (async () => {
      unregister();
      const t = performance.now();
      // Clients first (their processes hold sockets through the routers), the internet last.
      for (const ns of [...created].reverse()) await deleteNamespace(ns);
      tornDone = true;
      return performance.now() - t;
    })();
    return torn;
  };
  const unregister = registerCleanup('lab-topology', async () => void (await teardown()), () => {
    // Process exit: no promises any more. Kill by pid, delete by name, bounded.
    if (tornDone) return;
    for (const ns of [...created].reverse()) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { timeout: 2_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        for (const p of pids.split('\n').map(Number).filter((n) => n > 0)) signal(p, 'SIGKILL');
        execFileSync('ip', ['netns', 'delete', ns], { timeout: 2_000, stdio: 'ignore' });
        removeNamespaceEtc(ns);
      } catch {
        /* labDown removes whatever is left */
      }
    }
  });

  try {
    for (const ns of namespaces) {
      await createNamespace(ns);
      created.push(ns);
      // No duplicate address detection: every IPv6 address (link-local ones too, which neighbour
      // discovery uses) is usable at once instead of ~2 s later. Set before the links exist.
      if (v6) await runInNamespace(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
    }
    opts.onProgress?.(`namespaces ${namespaces.join(' ')}`);
    const [s1, s2] = ADDRESS_PLAN.servers;
    const inet: string[] = [
      'link add br0 type bridge',
      `addr add ${s1}/${ADDRESS_PLAN.internetPrefix} dev br0`,
      `addr add ${s2}/${ADDRESS_PLAN.internetPrefix} dev br0`,
      'link set br0 up',
      // The rest of the internet: a TURN server has a default route, so a datagram to an address
      // nobody on the lab's internet holds (a NAT'd client's private host address, say) leaves it
      // and is lost on the way, as it would be. Without one the send fails with ENETUNREACH, and
      // coturn then drops the whole allocation's relay socket (it logs "udp send: Network is
      // unreachable" and relays nothing more): every call with a peer behind a NAT would fail.
      // The route covers only the lab's own ranges, into a veth pair whose ends are both here:
      // with ARP off the frames go out addressed to void0 itself, and void1 discards them (not its
      // address). (No `dummy` device on this kernel; a blackhole route fails the send too.)
      'link add void0 type veth peer name void1',
      'link set void0 arp off',
      'link set void0 up',
      'link set void1 up',
      `route add ${ADDRESS_PLAN.labCidr} dev void0`,
    ];
    // IPv6 addresses are usable at once (nodad): nothing else on these links could hold them.
    const [s61, s62] = ADDRESS_PLAN.v6.servers;
    if (v6) inet.push(`addr add ${s61}/${ADDRESS_PLAN.v6.internetPrefix} dev br0 nodad`, `addr add ${s62}/${ADDRESS_PLAN.v6.internetPrefix} dev br0 nodad`, `route add ${ADDRESS_PLAN.v6.labCidr} dev void0`);
    for (const s of sites) {
      const port = `s${s.index}`;
      inet.push(`link add ${port} type veth peer name ${WAN_IF} netns ${s.router}`, `link set ${port} master br0`, `link set ${port} up`);
      // Public (un-NAT'd) LANs are routed via their router; so is every IPv6 LAN (no NAT66).
      if (s.spec.nat.mapping === 'none') inet.push(`route add ${s.lanCidr} via ${s.publicIp}`);
      const p6 = ADDRESS_PLAN.v6.sites[s.index];
      if (v6 && p6) inet.push(`route add ${p6.lanCidr} via ${p6.wan}`);
    }
    await ipBatch(internet, inet);
    for (const s of sites) {
      const router: string[] = [
        `addr add ${s.publicIp}/${ADDRESS_PLAN.internetPrefix} dev ${WAN_IF}`,
        `link set ${WAN_IF} up`,
        `link add ${LAN_IF} type veth peer name eth0 netns ${s.client}`,
        `addr add ${s.routerLanIp}/${ADDRESS_PLAN.lanPrefix} dev ${LAN_IF}`,
        `link set ${LAN_IF} up`,
      ];
      for (const other of sites) {
        if (other !== s && other.spec.nat.mapping === 'none') router.push(`route add ${other.lanCidr} via ${other.publicIp}`);
      }
      const p6 = v6 ? ADDRESS_PLAN.v6.sites[s.index] : undefined;
      if (p6) {
        router.push(`addr add ${p6.wan}/${ADDRESS_PLAN.v6.internetPrefix} dev ${WAN_IF} nodad`, `addr add ${p6.routerLan}/${ADDRESS_PLAN.v6.lanPrefix} dev ${LAN_IF} nodad`);
        for (const other of sites) {
          const o6 = ADDRESS_PLAN.v6.sites[other.index];
          if (other !== s && o6) router.push(`route add ${o6.lanCidr} via ${o6.wan}`);
        }
      }
      await ipBatch(s.router, router);
      const client = [`addr add ${s.clientIp}/${ADDRESS_PLAN.lanPrefix} dev eth0`, 'link set eth0 up', `route add default via ${s.routerLanIp}`];
      if (p6) client.push(`addr add ${p6.client}/${ADDRESS_PLAN.v6.lanPrefix} dev eth0 nodad`, `route add default via ${p6.routerLan}`);
      await ipBatch(s.client, client);
      // The client resolves the TURN server's name to its A and AAAA addresses.
      if (v6) for (const [file, content] of Object.entries(labClientEtc())) writeNamespaceEtc(s.client, file, content);
      // Forwarding only inside the router namespace; the host's setting is never touched.
      await runInNamespace(s.router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      if (v6) await runInNamespace(s.router, 'sysctl', ['-qw', 'net.ipv6.conf.all.forwarding=1']);
      const ipt = await iptablesFlavor(s.router);
      await runInNamespace(s.router, ipt.restore, [], { input: routerRules(s.spec, { plan: ADDRESS_PLAN.sites[s.index] as SitePlan, serverIps: ADDRESS_PLAN.servers }) });
      if (v6) await runInNamespace(s.router, ipt.restore6, [], { input: routerRules6(s.spec, ADDRESS_PLAN.v6.servers) });
      for (const args of tcCommands(s.spec)) await exec('tc', ['-n', s.router, ...args]);
    }
    opts.onProgress?.('topology ready');
  } catch (e) {
    await teardown();
    throw e;
  }

  return { runId, internet, serverIps: ADDRESS_PLAN.servers, serverIps6: v6 ? ADDRESS_PLAN.v6.servers : null, sites, namespaces, buildMs: performance.now() - t0, teardown };
}
