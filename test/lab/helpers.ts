/**
 * Shared by the lab tests: start a scenario's network + coturn, and take the host-state
 * snapshot that proves nothing is left behind (namespaces, lab turnservers, host iptables).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startCoturn, type Coturn } from '../../src/coturn.js';
import { exec } from '../../src/lab/exec.js';
import { listLabNamespaces } from '../../src/lab/netns.js';
import { loadScenario, type Scenario } from '../../src/lab/scenario.js';
import { buildTopology, type Topology } from '../../src/lab/topology.js';

export interface Lab {
  scenario: Scenario;
  topo: Topology;
  coturn: Coturn | null;
  password: string;
  stop: () => Promise<{ teardownMs: number }>;
}

export async function startLab(name: string): Promise<Lab> {
  const scenario = loadScenario(name);
  const topo = await buildTopology({ site: scenario, secondSite: scenario.secondSite });
  const password = randomBytes(9).toString('base64url');
  let coturn: Coturn | null = null;
  try {
    if (!scenario.turn.down) {
      coturn = await startCoturn({
        netns: topo.internet,
        listeningIps: [...topo.serverIps],
        relayIp: topo.serverIps[0],
        port: scenario.turn.port,
        tlsPort: scenario.turn.tlsPort,
        realm: 'lab.iceprobe.test',
        users: [{ name: 'lab', password }],
        allowLoopbackPeers: false,
      });
    }
  } catch (e) {
    await topo.teardown();
    throw e;
  }
  return {
    scenario,
    topo,
    coturn,
    password,
    stop: async () => {
      await coturn?.stop();
      return { teardownMs: await topo.teardown() };
    },
  };
}

/** turnserver processes serving lab addresses (other suites' loopback coturns are not ours). */
export function labTurnservers(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('turnserver')) && cmd.some((a) => a.includes('=198.18.') || a.includes('=198.19.'))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function save(bin: string): Promise<string> {
  const r = await exec(bin, [], { allowFailure: true }).catch(() => ({ stdout: '' }));
  // Drop comments and counters so two snapshots of the same rules compare equal.
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
    .join('\n');
}

export interface HostState {
  namespaces: string[];
  turnservers: number[];
  iptables: string;
}

export async function hostState(): Promise<HostState> {
  return {
    namespaces: await listLabNamespaces(),
    turnservers: labTurnservers(),
    iptables: `${await save('iptables-save')}\n${await save('iptables-legacy-save')}`,
  };
}
