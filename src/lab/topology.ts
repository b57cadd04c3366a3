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
import { registerCleanup } from '../lifecycle.js';
import { exec } from './exec.js';
import { createNamespace, deleteNamespace, iptablesFlavor, newRunId, nsName, requireLabEnvironment, runInNamespace, signal } from './netns.js';
import { ADDRESS_PLAN, LAN_IF, WAN_IF, routerRules, tcCommands, type SitePlan } from './rules.js';
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
}

export interface Topology {
  runId: string;
  internet: string;
  serverIps: readonly [string, string];
  sites: SiteTopology[];
  namespaces: string[];
  buildMs: number;
  /** Idempotent; resolves with how long it took. */
  teardown: () => Promise<number>;
}

export interface TopologySpec {
  site: Site;
  secondSite?: Site | undefined;
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
    };
  });
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
      } catch {
        /* labDown removes whatever is left */
      }
    }
  });

  try {
    for (const ns of namespaces) {
      await createNamespace(ns);
      created.push(ns);
    }
    opts.onProgress?.(`namespaces ${namespaces.join(' ')}`);
    const [s1, s2] = ADDRESS_PLAN.servers;
    const inet: string[] = [
      'link add br0 type bridge',
      `addr add ${s1}/${ADDRESS_PLAN.internetPrefix} dev br0`,
      `addr add ${s2}/${ADDRESS_PLAN.internetPrefix} dev br0`,
      'link set br0 up',
    ];
    for (const s of sites) {
      const port = `s${s.index}`;
      inet.push(`link add ${port} type veth peer name ${WAN_IF} netns ${s.router}`, `link set ${port} master br0`, `link set ${port} up`);
      // Public (un-NAT'd) LANs are routed via their router.
      if (s.spec.nat.mapping === 'none') inet.push(`route add ${s.lanCidr} via ${s.publicIp}`);
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
      await ipBatch(s.router, router);
      await ipBatch(s.client, [`addr add ${s.clientIp}/${ADDRESS_PLAN.lanPrefix} dev eth0`, 'link set eth0 up', `route add default via ${s.routerLanIp}`]);
      // Forwarding only inside the router namespace; the host's setting is never touched.
      await runInNamespace(s.router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      const ipt = await iptablesFlavor(s.router);
      await runInNamespace(s.router, ipt.restore, [], { input: routerRules(s.spec, { plan: ADDRESS_PLAN.sites[s.index] as SitePlan, serverIps: ADDRESS_PLAN.servers }) });
      for (const args of tcCommands(s.spec)) await exec('tc', ['-n', s.router, ...args]);
    }
    opts.onProgress?.('topology ready');
  } catch (e) {
    await teardown();
    throw e;
  }

  return { runId, internet, serverIps: ADDRESS_PLAN.servers, sites, namespaces, buildMs: performance.now() - t0, teardown };
}
