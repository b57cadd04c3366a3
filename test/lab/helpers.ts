/**
 * Shared by the lab tests: start a scenario's network + coturn, and take the host-state
 * snapshot that proves nothing is left behind (namespaces, lab turnservers, host iptables).
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { Coturn } from '../../src/servers/coturn.js';
import type { LabDns } from '../../src/services/lab/dns.js';
import { exec } from '../../src/services/lab/exec.js';
import { listLabNamespaceEtc, listLabNamespaces, NETNS_ETC } from '../../src/services/lab/netns.js';
import { labRun, startLabCoturn, startLabNameServer, type LabRunOptions, type LabRunResult } from '../../src/services/lab/run.js';
import { loadScenario, packageRoot, type Scenario } from '../../src/services/lab/scenario.js';
import { buildTopology, type Topology } from '../../src/services/lab/topology.js';

export interface Lab {
  scenario: Scenario;
  topo: Topology;
  coturn: Coturn | null;
  password: string;
  stop: () => Promise<{ teardownMs: number }>;
}

/**
 * Ctrl-C on vitest can end a worker before its async teardown finishes (measured: namespaces
 * were left). A detached watchdog (its own session, so the terminal's SIGINT does not reach it)
 * waits for this process to end, then kills what runs in the namespaces, deletes them (clients
 * first), and removes their /etc/netns entries and the given paths. A normal stop kills it.
 */
export function startWatchdog(namespaces: readonly string[], paths: readonly string[] = []): () => void {
  const quote = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  const order = [...namespaces].reverse(); // buildTopology lists the internet first
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done`,
    ...order.map((ns) => `for p in $(ip netns pids ${ns} 2>/dev/null); do kill -9 $p 2>/dev/null; done; ip netns delete ${ns} 2>/dev/null; rm -rf ${quote(`${NETNS_ETC}/${ns}`)}`),
    ...paths.map((p) => `rm -rf ${quote(p)}`),
  ].join('\n');
  const w = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  w.unref();
  return () => {
    if (w.pid !== undefined && w.exitCode === null) process.kill(w.pid, 'SIGTERM');
  };
}

/** A scenario's network and TURN server (and name server in dual stack), as `lab run` builds them. */
export async function startLab(name: string, opts: { removeOnExit?: readonly string[] } = {}): Promise<Lab> {
  const scenario = loadScenario(name);
  const topo = await buildTopology({ site: scenario, secondSite: scenario.secondSite, ipv6: scenario.ipv6 });
  const stopWatchdog = startWatchdog(topo.namespaces, opts.removeOnExit ?? []);
  const password = randomBytes(9).toString('base64url');
  let coturn: Coturn | null = null;
  let dns: LabDns | null = null;
  try {
    if (!scenario.turn.down) coturn = await startLabCoturn(topo, scenario, password);
    if (topo.serverIps6) dns = await startLabNameServer(topo);
  } catch (e) {
    await coturn?.stop();
    await topo.teardown();
    stopWatchdog();
    throw e;
  }
  return {
    scenario,
    topo,
    coturn,
    password,
    stop: async () => {
      await coturn?.stop();
      await dns?.stop();
      const teardownMs = await topo.teardown();
      stopWatchdog();
      return { teardownMs };
    },
  };
}

/**
 * A describe block with a scenario's lab up for its tests (`get()` inside a test), torn down
 * after them; says how long build and teardown took, and that its namespaces are gone.
 */
export function withLab(name: string, fn: (get: () => Lab) => void): void {
  describe(name, () => {
    let lab: Lab | undefined;
    beforeAll(async () => {
      lab = await startLab(name);
    });
    afterAll(async () => {
      const ns = lab?.topo.namespaces ?? [];
      const t = await lab?.stop();
      console.log(`[lab] ${name}: build ${lab?.topo.buildMs.toFixed(0)} ms, teardown ${t?.teardownMs.toFixed(0)} ms`);
      const left = (await listLabNamespaces()).filter((n) => ns.includes(n));
      expect(left).toEqual([]);
    });
    fn(() => {
      if (!lab) throw new Error('lab not started');
      return lab;
    });
  });
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
 * the host's namespace or in named ones (another suite's live lab), and Firefox's sandboxed content
 * processes (each in a namespace of its own), are not counted.
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
    // Firefox starts each sandboxed content process in a fresh network namespace of its own: not
    // a leftover. A Firefox a lab run left behind still shows as its main process.
    if (cmd.includes('firefox') && cmd.includes(' -contentproc')) continue;
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

/**
 * For the lab files that run the REAL `iceprobe check` (dist/, so build first) through `labRun`:
 * registers the file-level guard (the build is there; after the file, none of this file's runs
 * left a namespace or an /etc/netns entry, nothing lives on in a deleted namespace, no run
 * directory was left, iptables are as found) and returns the runner. Only this file's runs count
 * for namespaces: other suites (or engineers) may run labs of their own on the host meanwhile.
 * The runner runs a scenario and asserts that every expectation it states held.
 */
export function realCheckLabs(): (scenario: string | Scenario, opts?: LabRunOptions, judge?: boolean) => Promise<LabRunResult> {
  const mine = new Set<string>();
  const ours = (names: readonly string[]) => names.filter((n) => [...mine].some((id) => n.startsWith(`ipb-${id}-`)));
  let before: HostState;
  beforeAll(async () => {
    if (!existsSync(join(packageRoot(), 'dist', 'src', 'cli.js'))) throw new Error('build first: npx tsc -p . (the lab runs dist/src/cli.js check)');
    before = await hostState();
  });
  afterAll(async () => {
    const after = await hostState();
    expect(ours(after.namespaces)).toEqual([]);
    expect(ours(after.netnsEtc)).toEqual([]);
    // Nothing lives on in a deleted namespace: no turnserver, Chromium or check process.
    expect(after.orphans).toEqual([]);
    expect(after.runDirs).toEqual(before.runDirs);
    expect(after.iptables).toBe(before.iptables);
  });
  // judge = false: the caller judges the expectations itself (the run is still checked for leftovers).
  return async (scenario, opts = {}, judge = true) => {
    const r = await labRun(typeof scenario === 'string' ? loadScenario(scenario) : scenario, opts);
    mine.add(r.runId);
    if (!judge) return r;
    const failed = r.expectationResults.filter((x) => !x.pass);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(r.passed).toBe(true);
    return r;
  };
}
