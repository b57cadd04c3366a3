/**
 * `iceprobe lab run|list|down`: build the scenario's network, start coturn on the internet
 * side, measure the ground truth with the lab's own tool, run `iceprobe check` inside the
 * client namespace, and judge the report against the scenario's expectations. Everything the
 * run starts is stopped and removed on return, on error and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOSS_PROBES_MAX } from '../../config/config.js';
import { startCoturn, type Coturn } from '../../servers/coturn.js';
import { PATH_QUALITY_DEFAULTS } from '../../probes-node/path-quality.js';
import { registerCleanup } from '../../core/lifecycle.js';
import { Secrets } from '../../core/redact.js';
import { Report } from '../../core/schema.js';
import { median } from '../../core/stats.js';
import { parseIceUri } from '../../core/uri.js';
import { evaluateExpectations, lossProbesNeeded, type ExpectationResult, type LabMeasurements } from './expect.js';
import { deleteNamespace, iptablesFlavor, listLabNamespaceEtc, runInNamespace, listLabNamespaces, NETNS_ETC, newRunId, NS_PREFIX, removeNamespaceEtc, requireLabEnvironment } from './netns.js';
import { measureTcpThroughput, measureUdpLoss, punchBetween, stunBindingTcp, stunBindingsUdp } from './measure.js';
import { listScenarios, packageRoot, type Scenario, type ScenarioEntry } from './scenario.js';
import { startLabDns, type LabDns } from './dns.js';
import { exec } from './exec.js';
import { coturnRelayArgs, LAB_SERVER_NAME, RELAY_PORT_RANGE, serverRules } from './rules.js';
import { buildTopology, type Topology } from './topology.js';
import { measureReference } from './reference.js';

/**
 * The reference (reference.ts): 3 transfers of 4 s per TURN URL, round-robin, the median judged.
 * One transfer is one sample of a noisy process (measured on rate-limited-20: single transfers of
 * one URL spread ±10 % with a 25 ms shaper queue, and 1.4-17 Mbit/s with a 100 ms one).
 */
const REFERENCE_TRANSFER_MS = 4_000;
const REFERENCE_REPEAT = 3;

export { runInNamespace };

export const LAB_REALM = 'lab.iceprobe.test';
/** `<tmpdir>/iceprobe-lab-<runId>-XXXXXX`: one per run. */
export const RUN_DIR_PREFIX = 'iceprobe-lab-';
export const LAB_USER = 'lab';

/** The lab's TURN server as the client is told about it (credentials included: a file the run deletes). */
export interface LabServer {
  ips: readonly [string, string];
  port: number;
  tlsPort: number | null;
  username: string;
  /** What the client is given; differs from the server's when turn.wrongCredentials. */
  credential: string;
  /** Dual stack: the name (A = ips[0], AAAA = the first IPv6 server address) the URLs use. */
  name?: string | null;
}

/** The RTCConfiguration-shaped config file `iceprobe check --config` reads. */
export function labCheckConfig(server: LabServer): Record<string, unknown> {
  const [ip, b] = server.ips;
  // The first server by name when it has one (dual stack: A and AAAA); the second stays an IPv4
  // literal, as the other address for RFC 5780 and the second destination of gather:all.
  const a = server.name ?? ip;
  const turnUrls = [`turn:${a}:${server.port}?transport=udp`, `turn:${a}:${server.port}?transport=tcp`];
  if (server.tlsPort !== null) turnUrls.push(`turns:${a}:${server.tlsPort}?transport=tcp`);
  return {
    iceServers: [{ urls: [`stun:${a}:${server.port}`, `stun:${b}:${server.port}`] }, { urls: turnUrls, username: server.username, credential: server.credential }],
    // The lab's certificate is self-signed for an IP address.
    iceprobe: { insecureTls: true },
  };
}

export interface CheckCommandContext {
  clientNs: string;
  configPath: string;
  reportPath: string;
  /** The scenario's name: the check writes it into the report. */
  scenario: string;
  /** PEM of the lab coturn's self-signed certificate (trusted by the TLS probe), or null. */
  caFile: string | null;
  checkArgs: readonly string[];
  repoRoot: string;
}

/** The command that runs the check inside the client namespace. One place to adjust. */
export function defaultCheckCommand(ctx: CheckCommandContext): { cmd: string; args: string[] } {
  return {
    cmd: 'ip',
    args: [
      'netns',
      'exec',
      ctx.clientNs,
      process.execPath,
      join(ctx.repoRoot, 'dist', 'src', 'cli.js'),
      'check',
      '--config',
      ctx.configPath,
      '--json',
      ctx.reportPath,
      '--scenario',
      ctx.scenario,
      ...(ctx.caFile !== null ? ['--ca-file', ctx.caFile] : []),
      ...ctx.checkArgs,
    ],
  };
}

export interface LabRunOptions {
  checkArgs?: readonly string[];
  /** Seconds of data per call; raised to the scenario's check.minDurationS. */
  durationS?: number;
  onProgress?: (msg: string) => void;
  /** Replace how the check is started (default: defaultCheckCommand). */
  checkCommand?: (ctx: CheckCommandContext) => { cmd: string; args: string[] };
  /** Skip iceprobe's check: build, measure ground truth, tear down (lab self-test). */
  skipCheck?: boolean;
  /** Measure the ground truth with the lab's own tool (default true). */
  measure?: boolean;
  /** Bound for the check process. */
  checkTimeoutMs?: number;
  /**
   * Stops the run: the check is sent SIGTERM, the next phase does not start, and the run tears
   * everything down and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface LabRunResult {
  scenario: string;
  runId: string;
  report: Report | null;
  measurements: LabMeasurements;
  expectationResults: ExpectationResult[];
  passed: boolean;
  timings: { buildMs: number; coturnMs: number; measureMs: number; checkMs: number; teardownMs: number };
}

/**
 * The scenario's TURN server in the lab's internet namespace: coturn on both server addresses
 * (and their IPv6 twins in dual stack, with the server's name in its certificate), one long-term
 * user LAB_USER. Shared by `lab run` and the lab tests.
 */
export function startLabCoturn(topo: Topology, scenario: Scenario, password: string): Promise<Coturn> {
  const tlsPort = scenario.turn.tls ? scenario.turn.tlsPort : null;
  return startCoturn({
    netns: topo.internet,
    listeningIps: [...topo.serverIps, ...(topo.serverIps6 ?? [])],
    relayIp: topo.serverIps[0],
    ...(topo.serverIps6 ? { certNames: [LAB_SERVER_NAME] } : {}),
    port: scenario.turn.port,
    tlsPort: tlsPort ?? undefined,
    tls: tlsPort === null ? null : 'generate',
    realm: LAB_REALM,
    users: [{ name: LAB_USER, password }],
    allowLoopbackPeers: false,
    extraArgs: coturnRelayArgs(scenario.turn, topo.serverIps[0]),
  });
}

/** The server's own firewall (serverRules), installed in the internet namespace. */
export async function applyServerFirewall(topo: Topology, scenario: Scenario): Promise<void> {
  const rules = serverRules(scenario.turn);
  if (rules === null) return;
  const ipt = await iptablesFlavor(topo.internet);
  await runInNamespace(topo.internet, ipt.restore, [], { input: rules });
}

/** Dual stack: the server's name answers A and AAAA for every resolver in the lab (Chromium's too). */
export function startLabNameServer(topo: Topology): Promise<LabDns> {
  const [v6] = topo.serverIps6 ?? [];
  if (!v6) throw new Error('internal: a name server for a topology without IPv6');
  return startLabDns(topo.internet, topo.serverIps[0], 53, { [LAB_SERVER_NAME]: { a: [topo.serverIps[0]], aaaa: [v6] } });
}

/** The usable (not tentative) global IPv6 addresses in a namespace, as the kernel lists them. */
async function globalIpv6Addresses(ns: string): Promise<string[]> {
  const r = await exec('ip', ['-n', ns, '-j', '-6', 'addr', 'show', 'scope', 'global', '-tentative']);
  const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter((a) => a !== '');
}

/** Exit codes of `iceprobe check` that still mean "a report was written". */
const CHECK_REPORT_EXITS = new Set([0, 1]);

async function measureGroundTruth(scenario: Scenario, topo: Topology, server: LabServer | null, onProgress: (m: string) => void): Promise<LabMeasurements> {
  const site = topo.sites[0];
  if (!site) return {};
  const gt = scenario.expect.groundTruth;
  const m: LabMeasurements = {};
  const [s1, s2] = topo.serverIps;
  const ends = { clientNs: site.client, serverNs: topo.internet, ip: s1, port: 40_000 };
  if ((gt.srflxIsRouterPublic !== undefined || gt.srflxPortDiffersPerDestination !== undefined) && server) {
    const r = await stunBindingsUdp(site.client, [`${s1}:${server.port}`, `${s2}:${server.port}`]);
    m.mappings = r.results.map((x) => x.mapped);
    onProgress(`lab: mappings ${m.mappings.map((x) => (x ? `${x.address}:${x.port}` : 'none')).join(' ')}`);
  }
  if (gt.throughputWithinPercent !== undefined) {
    m.upBitsPerSecond = (await measureTcpThroughput(ends, 'up')).bitsPerSecond;
    onProgress(`lab: TCP up ${(m.upBitsPerSecond / 1e6).toFixed(2)} Mbit/s`);
  }
  if (gt.throughputVsReferencePercent !== undefined && server) {
    const cfg = labCheckConfig(server) as { iceServers: { urls: string[]; username?: string; credential?: string }[] };
    const turn = cfg.iceServers.flatMap((s) => (s.username && s.credential ? s.urls.map((url) => ({ url, username: s.username as string, credential: s.credential as string })) : []));
    const refs = await measureReference(site.client, { servers: turn, durationMs: REFERENCE_TRANSFER_MS, repeat: REFERENCE_REPEAT });
    m.referenceBitsPerSecond = {};
    for (const url of new Set(refs.map((r) => r.url))) {
      const mine = refs.filter((r) => r.url === url);
      const good = mine.filter((r) => r.ok);
      const parsed = parseIceUri(url);
      if (!parsed.ok) throw new Error(`internal: the lab's own TURN URL ${url} does not parse: ${parsed.problem}`);
      const t = parsed.uri.transport;
      const ref = {
        bitsPerSecond: good.length ? Math.round(median(good.map((r) => r.steadyBitsPerSecond))) : 0,
        wholeBitsPerSecond: good.length ? Math.round(median(good.map((r) => r.bitsPerSecond))) : 0,
        runs: mine.map((r) => r.steadyBitsPerSecond),
        linkRuns: mine.map((r) => r.steadyLinkBitsPerSecond),
        gapsMs: mine.map((r) => r.longestGapMs),
        ok: good.length === mine.length && good.length > 0,
        error: mine.find((r) => !r.ok)?.error ?? null,
      };
      m.referenceBitsPerSecond[t] = ref;
      onProgress(`lab: minimal two-peer page over ${url}: ${ref.ok ? `${(ref.bitsPerSecond / 1e6).toFixed(2)} Mbit/s after the warm-up (median of ${ref.runs.map((x, i) => `${(x / 1e6).toFixed(1)} [link ${((ref.linkRuns[i] ?? NaN) / 1e6).toFixed(1)}, gap ${ref.gapsMs[i]} ms]`).join(', ')}), ${(ref.wholeBitsPerSecond / 1e6).toFixed(2)} with it` : `failed (${ref.error ?? '?'})`}`);
    }
  }
  if (gt.lossNearPercent !== undefined) {
    m.upLossPercent = (await measureUdpLoss({ ...ends, port: 40_001 }, 'up')).lossPercent;
    onProgress(`lab: UDP loss up ${m.upLossPercent.toFixed(1)} %`);
  }
  if (gt.relayReachable !== undefined) {
    // A listener of the lab's own inside the relay range, on the server's address: do the
    // client's datagrams get there?
    const r = await measureUdpLoss({ ...ends, port: RELAY_PORT_RANGE.min + 848 }, 'up', 200);
    m.relayRangeReachable = r.received > 0;
    onProgress(`lab: UDP to the relay range (${s1}:${RELAY_PORT_RANGE.min + 848}): ${r.received}/${r.expected} arrived`);
  }
  const [v6] = topo.serverIps6 ?? [];
  if (gt.ipv6HostCandidate !== undefined) {
    m.ipv6ClientAddresses = await globalIpv6Addresses(site.client);
    onProgress(`lab: client IPv6 addresses: ${m.ipv6ClientAddresses.join(' ') || 'none'}`);
  }
  if (gt.ipv6ServerAnswers !== undefined && v6 && server) {
    const r = await stunBindingTcp(site.client, `${v6}:${server.port}`);
    m.ipv6ServerAnswers = r.mapped !== null;
    onProgress(`lab: STUN over TCP to [${v6}]:${server.port}: ${r.mapped ? `answered (${r.mapped.address})` : `no answer (${r.error ?? 'timeout'})`}`);
  }
  const b = topo.sites[1];
  if (gt.relayNeeded !== undefined && b && server) {
    m.directPath = (await punchBetween(site.client, b.client, `${s1}:${server.port}`)).direct;
    onProgress(`lab: direct path between sites: ${m.directPath}`);
  }
  return m;
}

function runCheck(cmd: string, args: string[], timeoutMs: number, secrets: Secrets, onProgress: (m: string) => void, signal: AbortSignal | undefined): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const stop = () => void child.kill('SIGTERM');
    signal?.addEventListener('abort', stop, { once: true });
    const unregisterCleanup = registerCleanup('lab-check', stop, () => void child.kill('SIGKILL'));
    const unregister = () => {
      signal?.removeEventListener('abort', stop);
      unregisterCleanup();
    };
    let stderr = '';
    // Whole lines only: a chunk boundary may split a UTF-8 character or a secret.
    const pending = { out: '', err: '' };
    const relay = (from: 'out' | 'err', s: string, end = false) => {
      pending[from] += s;
      const nl = end ? pending[from].length - 1 : pending[from].lastIndexOf('\n');
      if (nl < 0) return;
      const text = secrets.redact(pending[from].slice(0, nl + 1));
      pending[from] = pending[from].slice(nl + 1);
      stderr += text;
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
      for (const l of text.split('\n')) if (l.trim()) onProgress(`check: ${l.trimEnd()}`);
    };
    child.stdout.setEncoding('utf8').on('data', (s: string) => relay('out', s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => relay('err', s));
    child.once('error', (e) => {
      unregister();
      resolve({ code: -1, stderr: e.message });
    });
    child.once('close', (code) => {
      unregister();
      relay('out', '', true);
      relay('err', '', true);
      resolve({ code, stderr });
    });
  });
}

/** `--duration`: the caller's, but at least what the scenario's ground truth needs. */
export function effectiveDurationS(scenario: Scenario, requested: number | undefined): number | undefined {
  const min = scenario.check.minDurationS;
  if (min === undefined) return requested;
  return requested === undefined ? min : Math.max(requested, min);
}

function durationArgs(scenario: Scenario, requested: number | undefined, onProgress: (m: string) => void): string[] {
  const d = effectiveDurationS(scenario, requested);
  if (d === undefined) return [];
  if (requested !== undefined && d !== requested) onProgress(`calls run ${d} s (the scenario's ground truth needs at least that), not ${requested} s`);
  return ['--duration', String(d)];
}

/** `--loss-probes`: enough for the scenario's loss tolerance (lossProbesNeeded), never below the default. */
export function lossProbesArgs(scenario: Scenario): string[] {
  const n = lossProbesNeeded(scenario);
  if (n === null) return [];
  return ['--loss-probes', String(Math.min(LOSS_PROBES_MAX, Math.max(PATH_QUALITY_DEFAULTS.count, n)))];
}

export async function labRun(scenario: Scenario, opts: LabRunOptions = {}): Promise<LabRunResult> {
  const onProgress = opts.onProgress ?? (() => {});
  const stopped = () => opts.signal?.throwIfAborted();
  stopped();
  await requireLabEnvironment({ needTurnserver: !scenario.turn.down });
  const timings = { buildMs: 0, coturnMs: 0, measureMs: 0, checkMs: 0, teardownMs: 0 };
  const runId = newRunId();
  // The run dir holds the client's config (with the TURN password): removed on return, on
  // Ctrl-C (registered cleanup) and, after a kill -9, by labDown (its name carries the run id).
  const dir = mkdtempSync(join(tmpdir(), `${RUN_DIR_PREFIX}${runId}-`));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const unregisterDir = registerCleanup('lab-run-dir', removeDir, removeDir);
  const secrets = new Secrets();
  let topo: Topology | null = null;
  let coturn: Coturn | null = null;
  let dns: LabDns | null = null;
  try {
    topo = await buildTopology({ site: scenario, secondSite: scenario.secondSite, ipv6: scenario.ipv6 }, { onProgress, runId });
    timings.buildMs = topo.buildMs;
    onProgress(`topology ${topo.runId} built in ${topo.buildMs.toFixed(0)} ms`);
    stopped();

    const password = randomBytes(12).toString('base64url');
    secrets.add(password);
    let server: LabServer | null = null;
    const t1 = performance.now();
    const tlsPort = scenario.turn.tls ? scenario.turn.tlsPort : null;
    if (!scenario.turn.down) {
      coturn = await startLabCoturn(topo, scenario, password);
      timings.coturnMs = performance.now() - t1;
      onProgress(`coturn up on ${[...topo.serverIps, ...(topo.serverIps6 ?? [])].join(' ')} in ${timings.coturnMs.toFixed(0)} ms`);
    }
    stopped();
    await applyServerFirewall(topo, scenario);
    if (topo.serverIps6) {
      dns = await startLabNameServer(topo);
      onProgress(`DNS for ${LAB_SERVER_NAME} on ${topo.serverIps[0]}:53`);
    }
    const wrong = `wrong-${randomBytes(6).toString('base64url')}`;
    secrets.add(wrong);
    server = {
      ips: topo.serverIps,
      port: scenario.turn.port,
      tlsPort,
      username: LAB_USER,
      credential: scenario.turn.wrongCredentials ? wrong : password,
      name: topo.serverIps6 ? LAB_SERVER_NAME : null,
    };

    const t2 = performance.now();
    const measurements = opts.measure === false ? {} : await measureGroundTruth(scenario, topo, coturn ? server : null, onProgress);
    timings.measureMs = performance.now() - t2;
    stopped();

    let report: Report | null = null;
    if (!opts.skipCheck) {
      const configPath = join(dir, 'config.json');
      writeFileSync(configPath, JSON.stringify(labCheckConfig(server), null, 2), { mode: 0o600 });
      const reportPath = join(dir, 'report.json');
      // The lab's certificate is self-signed: the check trusts it as a private CA (as an enterprise
      // PKI would be), so the report carries no TLS_CERT_SELF_SIGNED the scenario is not about.
      let caFile: string | null = null;
      if (coturn?.certPem) {
        caFile = join(dir, 'lab-ca.pem');
        writeFileSync(caFile, coturn.certPem, { mode: 0o644 });
      }
      const site = topo.sites[0];
      if (!site) throw new Error('internal: topology without a site');
      const { cmd, args } = (opts.checkCommand ?? defaultCheckCommand)({
        clientNs: site.client,
        configPath,
        reportPath,
        scenario: scenario.name,
        caFile,
        checkArgs: [...(opts.checkArgs ?? []), ...durationArgs(scenario, opts.durationS, onProgress), ...lossProbesArgs(scenario)],
        repoRoot: packageRoot(),
      });
      const t3 = performance.now();
      const r = await runCheck(cmd, args, opts.checkTimeoutMs ?? 180_000, secrets, onProgress, opts.signal);
      timings.checkMs = performance.now() - t3;
      stopped();
      if (r.code === null || !CHECK_REPORT_EXITS.has(r.code)) {
        throw new Error(`iceprobe check in the lab failed (exit ${r.code ?? 'timeout'}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(reportPath, 'utf8'));
      } catch (e) {
        throw new Error(`iceprobe check in the lab wrote no readable report at ${reportPath}: ${(e as Error).message}`, { cause: e });
      }
      // The check itself names the scenario (--scenario); the expectations verify it did.
      const parsed = Report.safeParse(json);
      if (!parsed.success) throw new Error(`the lab run's report does not match the report schema: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      report = secrets.redactValue(parsed.data, Report);
    }

    const expectationResults = evaluateExpectations(scenario, report, {
      routerPublicIp: topo.sites[0]?.publicIp ?? '',
      clientIp: topo.sites[0]?.clientIp ?? '',
      clientIp6: topo.sites[0]?.clientIp6 ?? null,
      measured: measurements,
    });
    return {
      scenario: scenario.name,
      runId: topo.runId,
      report,
      measurements,
      expectationResults,
      passed: expectationResults.every((x) => x.pass),
      timings,
    };
  } finally {
    await coturn?.stop();
    await dns?.stop();
    if (topo) {
      timings.teardownMs = await topo.teardown();
      onProgress(`topology ${topo.runId} removed in ${timings.teardownMs.toFixed(0)} ms`);
    }
    removeDir();
    unregisterDir();
  }
}

export function labList(): ScenarioEntry[] {
  return listScenarios();
}

/**
 * Removes every `ipb-*` namespace (and what runs in it: coturn, the check, Chromium, lab tools)
 * that a killed run left behind, and the run directories of runs that no longer have a
 * namespace; or only one run's when `runId` is given. Iptables rules and qdiscs live inside the
 * namespaces and go with them. Note: without `runId` this also removes a run in progress.
 */
export async function labDown(opts: { runId?: string; tmp?: string } = {}): Promise<{ removed: string[]; dirs: string[]; etc: string[] }> {
  await requireLabEnvironment({ needTurnserver: false });
  const left = await listLabNamespaces(opts.runId);
  // Clients and routers before the internet namespace, as in teardown.
  const order = (n: string) => (n.endsWith('-inet') ? 1 : 0);
  for (const ns of left.sort((a, b) => order(a) - order(b))) await deleteNamespace(ns);
  const alive = new Set((await listLabNamespaces()).map((n) => n.slice(NS_PREFIX.length).split('-')[0]));
  // /etc/netns/<ns> of a namespace that is gone (a killed run's hosts file).
  const etc: string[] = [];
  for (const n of listLabNamespaceEtc()) {
    if (alive.has(n.slice(NS_PREFIX.length).split('-')[0] ?? '')) continue;
    removeNamespaceEtc(n);
    etc.push(join(NETNS_ETC, n));
  }
  const tmp = opts.tmp ?? tmpdir();
  const dirs: string[] = [];
  for (const d of readdirSync(tmp)) {
    const m = new RegExp(`^${RUN_DIR_PREFIX}([0-9a-f]+)-`).exec(d);
    if (!m?.[1] || alive.has(m[1]) || (opts.runId !== undefined && m[1] !== opts.runId)) continue;
    rmSync(join(tmp, d), { recursive: true, force: true });
    dirs.push(join(tmp, d));
  }
  return { removed: left, dirs, etc };
}
