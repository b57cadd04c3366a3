/**
 * Shared by the lab tests: start a scenario's network + coturn, and take the host-state
 * snapshot that proves nothing is left behind (namespaces, lab turnservers, host iptables).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startCoturn, type Coturn } from '../../src/coturn.js';
import { exec } from '../../src/lab/exec.js';
import { listLabNamespaceEtc, listLabNamespaces } from '../../src/lab/netns.js';
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

/**
 * Processes living in a network namespace that no longer has a name: what a run that deleted
 * its namespaces but not their processes (Chromium, coturn, the check) would leave. Processes in
 * the host's namespace or in named ones (another suite's live lab) are not counted.
 */
export function orphanNetnsProcesses(): { pid: number; cmd: string }[] {
  const inode = (p: string) => {
    try {
      return readlinkSync(p);
    } catch {
      return null;
    }
  };
  const known = new Set<string | null>([inode('/proc/1/ns/net'), inode(`/proc/${process.pid}/ns/net`)]);
  let named: string[] = [];
  try {
    named = readdirSync('/run/netns');
  } catch {
    /* none */
  }
  // /run/netns/<name> is a bind mount of the namespace: its inode is the one /proc/<pid>/ns/net names.
  const namedInodes = new Set<string>();
  for (const n of named) {
    try {
      namedInodes.add(`net:[${statIno(`/run/netns/${n}`)}]`);
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const ns = inode(`/proc/${d}/ns/net`);
    if (ns === null || known.has(ns) || namedInodes.has(ns)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ');
    } catch {
      continue;
    }
    out.push({ pid: Number(d), cmd });
  }
  return out;
}

function statIno(path: string): number {
  return Number(statSync(path).ino);
}

/** Run directories (`iceprobe-lab-<runId>-*`, holding the client config) left in the temp dir. */
export function labRunDirs(): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith('iceprobe-lab-'));
}

export interface HostState {
  namespaces: string[];
  turnservers: number[];
  iptables: string;
  orphans: { pid: number; cmd: string }[];
  runDirs: string[];
  /** /etc/netns/ipb-* (a dual-stack client's hosts, nsswitch and resolv.conf). */
  netnsEtc: string[];
}

export async function hostState(): Promise<HostState> {
  return {
    namespaces: await listLabNamespaces(),
    turnservers: labTurnservers(),
    iptables: `${await save('iptables-save')}\n${await save('iptables-legacy-save')}`,
    orphans: orphanNetnsProcesses(),
    runDirs: labRunDirs(),
    netnsEtc: listLabNamespaceEtc(),
  };
}

/**
 * Registers the file-level guard every lab test file uses: after the file, no lab namespace and no
 * lab coturn is left, and the host's iptables rules are what they were before it.
 */
export function expectHostLeftAsFound(): void {
  let before: HostState;
  beforeAll(async () => {
    before = await hostState();
  });
  afterAll(async () => {
    const after = await hostState();
    expect(after.namespaces).toEqual([]);
    expect(after.netnsEtc).toEqual([]);
    expect(after.turnservers).toEqual([]);
    expect(after.iptables).toBe(before.iptables);
  });
}
