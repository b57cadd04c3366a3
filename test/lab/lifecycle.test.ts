/**
 * Nothing is left behind: not by a normal run, not on Ctrl-C (the registered cleanups), and
 * not by a killed run (labDown). Also the whole labRun pipeline with the check replaced by a
 * stand-in, so the plumbing (config file, report reading, scenario name, expectations) is
 * tested before `iceprobe check` exists.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCoturn } from '../../src/servers/coturn.js';
import { runCleanups } from '../../src/core/lifecycle.js';
import { exec } from '../../src/services/lab/exec.js';
import { startTool } from '../../src/services/lab/measure.js';
import { createNamespace, deleteNamespace, listLabNamespaceEtc, listLabNamespaces, namespacePids, NETNS_ETC, newRunId, nsName, writeNamespaceEtc } from '../../src/services/lab/netns.js';
import { labDown, labList, labRun, type CheckCommandContext } from '../../src/services/lab/run.js';
import { loadScenario, packageRoot } from '../../src/services/lab/scenario.js';
import { buildTopology } from '../../src/services/lab/topology.js';
import { expectHostLeftAsFound, labTurnservers } from './helpers.js';

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function procState(pid: number): string {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';
  } catch {
    return 'gone';
  }
}

expectHostLeftAsFound();

describe('cleanup', () => {
  it('Ctrl-C cleanups remove the topology, coturn and lab tools', async () => {
    const scenario = loadScenario('symmetric-nat');
    const topo = await buildTopology({ site: scenario, secondSite: scenario.secondSite });
    const coturn = await startCoturn({ netns: topo.internet, listeningIps: [...topo.serverIps], relayIp: topo.serverIps[0], allowLoopbackPeers: false });
    const tool = startTool(topo.internet, 'udp-recv', ['listen', topo.serverIps[1], 42_000, 10, 30_000], 40_000);
    await tool.line('READY');
    expect(await listLabNamespaces(topo.runId)).toHaveLength(5);
    expect(labTurnservers()).toContain(coturn.pid);
    await runCleanups(); // what SIGINT/SIGTERM runs
    expect(await listLabNamespaces(topo.runId)).toEqual([]);
    expect(labTurnservers()).toEqual([]);
    expect(tool.child.exitCode !== null || tool.child.signalCode !== null).toBe(true);
  });

  it('labDown removes what a killed run left: namespaces and the processes in them', async () => {
    const runId = newRunId();
    const ns = nsName(runId, 'inet');
    await createNamespace(ns);
    await createNamespace(nsName(runId, 'ca'));
    // A process a killed run would have left: it keeps running inside the namespace.
    const orphan = startTool(ns, 'udp-recv', ['listen', '127.0.0.1', 42_001, 10, 30_000], 40_000);
    await orphan.line('READY');
    expect(await namespacePids(ns)).toHaveLength(1);
    const { removed } = await labDown();
    expect(removed).toEqual(expect.arrayContaining([nsName(runId, 'ca'), ns]));
    expect(await listLabNamespaces()).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(orphan.child.exitCode !== null || orphan.child.signalCode !== null).toBe(true);
  });

  it('labDown removes /etc/netns entries (a dual-stack client\'s hosts and resolver) a killed run left', async () => {
    const runId = newRunId();
    // Entries whose namespaces are gone, and one of a run still up (another run's: kept).
    writeNamespaceEtc(nsName(runId, 'ca'), 'hosts', '198.18.0.1 turn.lab.test\n');
    writeNamespaceEtc(nsName(runId, 'cb'), 'resolv.conf', 'nameserver 198.18.0.1\n');
    const other = newRunId();
    await createNamespace(nsName(other, 'ca'));
    writeNamespaceEtc(nsName(other, 'ca'), 'hosts', '198.18.0.1 turn.lab.test\n');
    try {
      const { etc } = await labDown({ runId });
      expect(etc.sort()).toEqual([join(NETNS_ETC, nsName(runId, 'ca')), join(NETNS_ETC, nsName(runId, 'cb'))]);
      expect(listLabNamespaceEtc()).toEqual([nsName(other, 'ca')]);
    } finally {
      await deleteNamespace(nsName(other, 'ca'));
    }
    expect(listLabNamespaceEtc()).toEqual([]);
  });

  it('labDown removes the run directory (client config with the TURN password) a killed run left', async () => {
    const runId = newRunId();
    const dir = mkdtempSync(join(tmpdir(), `iceprobe-lab-${runId}-`));
    writeFileSync(join(dir, 'config.json'), '{}');
    const { dirs } = await labDown({ runId });
    expect(dirs).toEqual([dir]);
    expect(existsSync(dir)).toBe(false);
  });

  it('Ctrl-C on `iceprobe lab run` mid-check leaves no namespace, process, /etc/netns entry, run dir or iptables rule', { timeout: 60_000 }, async () => {
    const cli = join(packageRoot(), 'dist', 'src', 'cli.js');
    const known = new Set(await listLabNamespaces());
    // Dual stack: the run also has the lab's DNS server and the client's /etc/netns files.
    const child = spawn(process.execPath, [cli, 'lab', 'run', 'dual-stack', '--duration', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      // Wait (bounded) until Chromium runs in the run's client namespace: the check is under way.
      let ours: string[] = [];
      let pids: number[] = [];
      const until = Date.now() + 40_000;
      for (;;) {
        if (Date.now() > until) throw new Error(`the check never started Chromium: ${out.slice(-500)}`);
        ours = (await listLabNamespaces()).filter((n) => !known.has(n));
        const client = ours.find((n) => n.endsWith('-ca'));
        const inClient = client ? await namespacePids(client) : [];
        if (inClient.some((p) => cmdline(p).includes('chromium'))) {
          pids = (await Promise.all(ours.map((n) => namespacePids(n)))).flat();
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const runId = ours[0]?.split('-')[1] ?? '';
      expect(pids.some((p) => cmdline(p).includes('turnserver'))).toBe(true);
      expect(pids.some((p) => cmdline(p).includes('lab/dns.js'))).toBe(true);
      expect(listLabNamespaceEtc().filter((n) => n.startsWith(`ipb-${runId}-`))).not.toEqual([]);
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).toBe(130);
      expect(await listLabNamespaces(runId)).toEqual([]);
      // Processes may take a moment to be reaped after the CLI's exit; a live one is a leak.
      const alive = () => pids.filter((p) => existsSync(`/proc/${p}`) && procState(p) !== 'Z').map((p) => `${p} ${procState(p)} ${cmdline(p).slice(0, 80)}`);
      for (let i = 0; i < 50 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toEqual([]);
      expect(readdirSync(tmpdir()).filter((d) => d.startsWith(`iceprobe-lab-${runId}-`))).toEqual([]);
      expect(listLabNamespaceEtc().filter((n) => n.startsWith(`ipb-${runId}-`))).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('a failed build leaves nothing (bad tc rate → error, namespaces removed)', async () => {
    const scenario = loadScenario('rate-limited');
    const runId = newRunId();
    // Break the build half-way: the router's namespace name is already taken.
    await createNamespace(nsName(runId, 'ra'));
    await expect(buildTopology({ site: scenario }, { runId })).rejects.toThrow(/ipb-.*-ra/);
    expect(await listLabNamespaces(runId)).toEqual([nsName(runId, 'ra')]);
    expect((await labDown({ runId })).removed).toEqual([nsName(runId, 'ra')]);
    expect(await listLabNamespaces(runId)).toEqual([]);
  });

  it('never touches the host: no interface, route or forwarding change outside the namespaces', async () => {
    const links = (await exec('ip', ['-o', 'link'])).stdout.replace(/\s+\d+\s*$/gm, '');
    const fwd = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const scenario = loadScenario('cone-nat');
    const topo = await buildTopology({ site: scenario, secondSite: scenario.secondSite });
    try {
      const during = (await exec('ip', ['-o', 'link'])).stdout.replace(/\s+\d+\s*$/gm, '');
      expect(during.split('\n').length).toBe(links.split('\n').length);
      expect(during).not.toMatch(/ipb|wan|lan@|br0/);
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(fwd);
      expect((await exec('ip', ['route'])).stdout).not.toMatch(/198\.1[89]\./);
    } finally {
      await topo.teardown();
    }
  });
});

/** A stand-in for `iceprobe check`: runs in the client namespace, reads the config, writes a report. */
function fakeCheck(ctx: CheckCommandContext) {
  const src = `
    const fs = await import('node:fs');
    const os = await import('node:os');
    const [configPath, reportPath, scenario] = process.argv.slice(1);
    const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
    const turn = cfg.iceServers.find((s) => s.username);
    const host = Object.values(os.networkInterfaces()).flat().find((i) => i.family === 'IPv4' && !i.internal);
    fs.writeFileSync(reportPath, JSON.stringify({
      schemaVersion: 1, tool: { name: 'iceprobe', version: 'test' }, startedAt: new Date().toISOString(), durationMs: 1, scenario,
      environment: { browser: null, node: process.version, platform: process.platform },
      servers: [], checks: [], findings: [],
      candidates: [{ url: 'echo', type: 'host', protocol: 'udp', relayProtocol: null, address: host.address, port: 1, elapsedMs: 0 }],
      calls: [{ id: 'c', checkId: 'c', policy: 'relay', via: [], transport: 'udp', status: 'fail', code: 'X', failedPhase: null,
        setup: { totalMs: null, phases: [] }, selectedPair: null, selectedPairChanges: null, rttMs: null, throughput: null,
        media: { echoedCredential: turn.credential, urls: cfg.iceServers.flatMap((s) => [].concat(s.urls)) } }],
      summary: { status: 'pass', passed: 0, warned: 0, failed: 0, skipped: 0 },
    }));
  `;
  return { cmd: 'ip', args: ['netns', 'exec', ctx.clientNs, process.execPath, '--input-type=module', '-e', src, ctx.configPath, ctx.reportPath, ctx.scenario] };
}

describe('labRun', () => {
  it('lists every shipped scenario', () => {
    const names = labList().map((s) => s.name);
    for (const n of ['open', 'cone-nat', 'symmetric-nat', 'udp-blocked', 'tcp-443-only', 'turn-down', 'wrong-credentials', 'rate-limited', 'lossy']) expect(names).toContain(n);
  });

  it('runs the check in the client namespace with the lab servers, names the scenario, redacts the credential, judges expectations', async () => {
    const scenario = loadScenario('udp-blocked');
    const progress: string[] = [];
    const r = await labRun(scenario, { checkCommand: fakeCheck, measure: false, onProgress: (m) => progress.push(m) });
    expect(r.report?.scenario).toBe('udp-blocked');
    // The stand-in saw the client namespace's own address.
    expect(r.report?.candidates[0]?.address).toBe('198.19.1.10');
    const media = r.report?.calls?.[0]?.media as { echoedCredential: string; urls: string[] };
    expect(media.echoedCredential).toBe('[redacted]');
    expect(media.urls).toEqual(expect.arrayContaining(['stun:198.18.0.1:3478', 'stun:198.18.0.2:3478', 'turn:198.18.0.1:3478?transport=tcp', 'turns:198.18.0.1:5349?transport=tcp']));
    // An empty report cannot satisfy the scenario.
    expect(r.passed).toBe(false);
    expect(r.expectationResults.find((x) => x.id === 'findings.present.UDP_BLOCKED')?.pass).toBe(false);
    expect(r.expectationResults.find((x) => x.id === 'transports.udp')?.actual).toBe('absent');
    expect(await listLabNamespaces(r.runId)).toEqual([]);
    expect(progress.some((p) => p.startsWith('topology'))).toBe(true);
  });

  it('measures ground truth itself and passes the lab-side expectations (symmetric-nat, rate-limited)', async () => {
    for (const name of ['symmetric-nat', 'rate-limited']) {
      const r = await labRun(loadScenario(name), { skipCheck: true });
      console.log(`[lab] labRun ${name}: ${JSON.stringify(r.timings, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
      const lab = r.expectationResults.filter((x) => x.source === 'lab');
      expect(lab.length).toBeGreaterThan(0);
      expect(lab.filter((x) => !x.pass)).toEqual([]);
    }
  });

  it('a check that exits with a usage error fails the run with a clear message', async () => {
    const scenario = loadScenario('open');
    await expect(
      labRun(scenario, { measure: false, checkCommand: (ctx) => ({ cmd: 'ip', args: ['netns', 'exec', ctx.clientNs, process.execPath, '-e', 'process.exit(2)'] }) }),
    ).rejects.toThrow(/iceprobe check in the lab failed \(exit 2\)/);
    expect(await listLabNamespaces()).toEqual([]);
  });
});
