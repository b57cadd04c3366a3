/**
 * `iceprobe serve` across the NAT lab: the real CLI (dist/) runs in the "internet" namespace
 * next to the lab's coturn (198.18.0.1/.2), and a visitor's headless Chromium runs INSIDE the
 * client namespace behind the port-restricted-cone NAT — launched through a one-line wrapper
 * (`exec ip netns exec <client> chromium "$@"`; Playwright drives it over its inherited pipe).
 * The visitor opens the link like a person, presses Start, and the test checks that the stored
 * report has per-transport relay calls to the echo peer, that the browser's srflx is the
 * router's public address, and that the page shows the verdict of the stored report.
 *
 * Nothing is left behind: every process the test starts lives in a lab namespace, and the
 * namespace teardown (also registered for Ctrl-C) kills what still runs there; the file-level
 * guard checks namespaces, lab turnservers and iptables afterwards.
 *
 * Needs root, coturn, Chromium and `npx tsc -p .` (the CLI and the page run from dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserOwner, resolveChromium } from '../../src/browser/owner.js';
import { registerCleanup } from '../../src/core/lifecycle.js';
import { namespacePids } from '../../src/services/lab/netns.js';
import { LAB_USER, labCheckConfig } from '../../src/services/lab/run.js';
import { loadReport } from '../../reports/write.js';
import { plainVerdict, type PlainVerdict } from '../../src/services/serve/verdict.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { expectHostLeftAsFound, startLab, type Lab } from './helpers.js';

expectHostLeftAsFound();

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const TOKEN = 'lab-serve-token-91c2';
const SCENARIO = 'port-restricted-cone';

let lab: Lab | undefined;
let dir: string | undefined;
let cli: ChildProcess | undefined;
let cliExit: Promise<number | null> | undefined;
let visitor: BrowserOwner | undefined;
let out = '';
let err = '';
let unregisterCli: (() => void) | undefined;
const t0 = performance.now();
const timings: Record<string, number> = {};

/** Running (a zombie waiting for init to reap it is dead: it holds no socket and no namespace). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceprobe-serve-lab-'));
  // The lab's watchdog also removes the temp dir if vitest is interrupted.
  lab = await startLab(SCENARIO, { removeOnExit: [dir] });
  timings.lab = performance.now() - t0;
  const coturn = lab.coturn;
  if (!coturn) throw new Error('the scenario has no TURN server');
  const config = join(dir, 'ice.json');
  writeFileSync(
    config,
    JSON.stringify(labCheckConfig({ ips: lab.topo.serverIps, port: lab.scenario.turn.port, tlsPort: coturn.tlsPort, username: LAB_USER, credential: lab.password })),
    { mode: 0o600 },
  );

  // serve, its echo peer's Chromium and the relay: all in the internet namespace, on 198.18.0.1.
  cli = spawn(
    'ip',
    ['netns', 'exec', lab.topo.internet, process.execPath, CLI, 'serve', '--config', config, '--host', lab.topo.serverIps[0], '--port', '0', '--reports-dir', join(dir, 'reports'), '--token', TOKEN, '--duration', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const child = cli;
  unregisterCli = registerCleanup('lab-serve-cli', () => void child.kill('SIGTERM'), () => void child.kill('SIGKILL'));
  cliExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));

  // The visitor's Chromium, behind the NAT.
  const chromium = resolveChromium(undefined);
  if (!chromium) throw new Error('no Chromium on this machine');
  const wrapper = join(dir, 'chromium-in-client-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lab.topo.sites[0]?.client ?? 'missing'} ${chromium} "$@"\n`);
  chmodSync(wrapper, 0o755);
  // The lab's TURNS certificate is self-signed for an IP address.
  visitor = await BrowserOwner.launch({ executablePath: wrapper, insecureTls: true });
  timings.started = performance.now() - t0;
}, 60_000);

afterAll(async () => {
  const pids = lab ? (await Promise.all(lab.topo.namespaces.map((ns) => namespacePids(ns)))).flat() : [];
  await visitor?.close();
  if (cli && cli.exitCode === null) cli.kill('SIGTERM');
  const code = await Promise.race([cliExit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
  if (code === 'hung') cli?.kill('SIGKILL');
  unregisterCli?.();
  const t = await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`[lab] serve over ${SCENARIO}: total ${((performance.now() - t0) / 1000).toFixed(1)} s (lab ${timings.lab?.toFixed(0)} ms, ready ${timings.started?.toFixed(0)} ms, visit ${timings.visit?.toFixed(0)} ms, teardown ${t?.teardownMs.toFixed(0)} ms)`);
  // serve ran its own cleanups on SIGTERM and exited with 143 (128 + SIGTERM), before the teardown had to kill it.
  expect(code).toBe(143);
  // Every process that lived in the lab's namespaces (serve, both Chromiums, coturn) is gone.
  expect(pids.length).toBeGreaterThan(0);
  const until = Date.now() + 3_000;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter(alive)).toEqual([]);
}, 30_000);

interface PageState {
  state: string;
  result: { id: string; verdict: PlainVerdict } | null;
  error: { status: number; reason: string } | null;
}

describe(`iceprobe serve, visitor behind the lab NAT (${SCENARIO})`, () => {
  it('stores per-transport relay calls to the echo peer, srflx = the router\'s public address, and the page shows the stored verdict', async () => {
    const site = lab?.topo.sites[0];
    if (!lab || !site || !visitor || !dir) throw new Error('lab not started');
    const deadline = Date.now() + 30_000;
    while (!/send this link: (\S+)/.test(out) && Date.now() < deadline && cli?.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const link = /send this link: (\S+)/.exec(out)?.[1] ?? '';
    expect(link, `serve stdout: ${out}\nstderr: ${err}`).toMatch(new RegExp(`^http://${lab.topo.serverIps[0].replace(/\./g, '\\.')}:\\d+/\\?t=${TOKEN}$`));

    const tv = performance.now();
    const page = await visitor.newPage();
    try {
      await page.goto(link, { timeout: 10_000 });
      await page.click('#start', { timeout: 10_000 });
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000, state: 'attached' });
      timings.visit = performance.now() - tv;
      const st = (await page.evaluate('window.iceprobeServe')) as PageState;
      expect(st.error, `serve stderr: ${err}`).toBeNull();
      const rid = st.result?.id ?? '';
      expect(rid).toMatch(/^[a-z2-9]{10}$/);
      const shown = {
        headline: (await page.textContent('#headline')) ?? '',
        lines: await page.$$eval('#lines li', (els) => els.map((e) => e.textContent ?? '')),
        tone: await page.getAttribute('#result', 'data-tone'),
      };

      // serve printed one line for it, and stored <time>-<id>.json/.html.
      expect(out.split('\n').filter((l) => l.startsWith(`iceprobe: report ${rid} `))).toHaveLength(1);
      const jsonFile = readdirSync(join(dir, 'reports')).find((f) => f.endsWith(`-${rid}.json`));
      expect(jsonFile).toBeDefined();
      const jsonPath = join(dir, 'reports', jsonFile ?? '');
      const report = loadReport(jsonPath);

      // The page shows exactly the stored report's verdict.
      const stored = plainVerdict(report);
      expect(shown).toEqual({ headline: stored.headline, lines: stored.lines, tone: stored.tone });
      expect(st.result?.verdict).toEqual(stored);
      expect(report.origin).toMatchObject({ kind: 'serve', resultId: rid });

      // The visitor's browser gathered from behind the NAT: host = its LAN address, srflx = the router's public address.
      const srflx = report.candidates.filter((c) => c.type === 'srflx');
      expect(srflx.length).toBeGreaterThan(0);
      expect(new Set(srflx.map((c) => c.address))).toEqual(new Set([site.publicIp]));
      expect(report.candidates.filter((c) => c.type === 'host').map((c) => c.address)).toContain(site.clientIp);
      expect(report.checks.filter((c) => c.kind === 'gather').map((c) => [c.id, c.status, c.code]).filter(([, s]) => s === 'fail')).toEqual([]);

      // Relay-forced calls to the echo peer, one per transport, both directions, and one policy-all call.
      const calls = report.calls ?? [];
      expect(calls.map((c) => c.id)).toEqual(['relay-udp', 'relay-tcp', 'relay-tls', 'all']);
      for (const c of calls) expect(['pass', 'warn'], `${c.id} ${c.code} ${c.failedPhase ?? ''}`).toContain(c.status);
      for (const c of calls.filter((x) => x.policy === 'relay')) {
        expect(c.selectedPair?.local.type).toBe('relay');
        expect(c.selectedPair?.local.relayProtocol).toBe(c.transport);
        expect(c.throughput?.bitsPerSecond).toBeGreaterThan(1e6);
        expect(c.download?.status, c.id).not.toBe('fail');
        expect(c.download?.throughput?.bitsPerSecond).toBeGreaterThan(1e6);
      }
      expect(stored.working.map((w) => w.transport)).toEqual(['udp', 'tcp', 'tls']);
      // A port-restricted cone is no reason to need the relay.
      expect(report.findings.map((f) => f.code)).not.toContain('SYMMETRIC_NAT');
      expect(report.findings.map((f) => f.code)).not.toContain('RELAY_REQUIRED');

      // The lab's TURN password reached the page (static credentials must), never the stored files or serve's output.
      // (The link token is in the link serve prints, by design; never in what it stores.)
      const files = { json: readFileSync(jsonPath, 'utf8'), html: readFileSync(jsonPath.replace(/\.json$/, '.html'), 'utf8') };
      expectNoSecrets(files, [lab.password, TOKEN]);
      expectNoSecrets({ stdout: out, stderr: err }, [lab.password]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
