/**
 * The lab's throughput reference: the most minimal two-peer page (probes/ceiling.ts: two
 * RTCPeerConnections in one page, in-page signaling, one data channel, no sampling, no relay
 * server) run through the lab's TURN server from the client namespace, one relay-forced transfer
 * per TURN URL. iceprobe's headline figure for the same URL and link is judged against it
 * (groundTruth.throughputVsReferencePercent): the reference is what a plain WebRTC application
 * gets over that path, measured by code that shares nothing with iceprobe's call machinery but
 * the browser.
 *
 * It runs as its own process inside the namespace (`ip netns exec <client> node reference.js`),
 * the spec with the TURN password on stdin (never on argv, which `ps` shows), the results as one
 * JSON line on stdout. `measureReference` is the parent side.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CeilingResult, CeilingSpec } from '../../../probes/ceiling.js';
import { registerCleanup } from '../../core/lifecycle.js';
import { packageRoot } from '../../core/package-root.js';

export interface ReferenceSpec {
  servers: { url: string; username: string; credential: string }[];
  /** Length of each transfer (the reference has no convergence rule: a fixed window, ramp included). */
  durationMs: number;
  /** Transfers per URL, round-robin over the URLs (default 1): one transfer is one sample of a noisy process. */
  repeat?: number;
  /** Chromium binary (default: the one iceprobe finds). */
  executablePath?: string;
}

/** One of the page's transfers (probes/ceiling.ts CeilingResult: its figures and their meaning), with the TURN URL it went through. */
export interface ReferenceResult extends CeilingResult {
  url: string;
}

const ENTRY = fileURLToPath(import.meta.url);
/** The child always runs the built file (as the lab runs dist/src/cli.js check), also when this module runs from source under vitest. */
const BUILT_ENTRY = join(packageRoot(), 'dist', 'src', 'services', 'lab', 'reference.js');

/** Parent side: runs the reference inside `ns`, bounded; never throws for a network outcome. */
export function measureReference(ns: string, spec: ReferenceSpec, timeoutMs = 30_000 + Math.max(1, spec.repeat ?? 1) * spec.servers.length * (spec.durationMs + 15_000)): Promise<ReferenceResult[]> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BUILT_ENTRY, '--reference'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const unregister = registerCleanup('lab-reference', () => void child.kill('SIGTERM'), () => void child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4_000)));
    const fail = (why: string): ReferenceResult[] => spec.servers.map((s) => ({ url: s.url, ok: false, error: why, bitsPerSecond: 0, steadyBitsPerSecond: 0, steadyLinkBitsPerSecond: null, longestGapMs: 0, bytesReceived: 0, ms: 0 }));
    child.once('error', (e) => {
      unregister();
      resolve(fail(e.message));
    });
    child.once('close', (code) => {
      unregister();
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as ReferenceResult[]);
      } catch {
        const lines = err.trim().split('\n');
        resolve(fail(`the reference page exited ${code ?? 'by timeout'} without results: ${lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? ''}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/** Child side: one browser, one page, the transfers one after another. */
async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString()) as ReferenceSpec;
  const { BrowserOwner } = await import('../../browser/owner.js');
  const { startProbeServer } = await import('../../browser/page-server.js');
  const browser = await BrowserOwner.launch({ insecureTls: true, ...(spec.executablePath ? { executablePath: spec.executablePath } : {}) });
  const pages = await startProbeServer();
  const out: ReferenceResult[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(`${pages.origin}/`);
    await page.waitForFunction('window.iceprobe && window.iceprobe.ready === true', undefined, { polling: 10, timeout: 15_000 });
    for (let round = 0; round < Math.max(1, spec.repeat ?? 1); round++) for (const s of spec.servers) {
      const c: CeilingSpec = { iceServers: [{ urls: s.url, username: s.username, credential: s.credential }], policy: 'relay', durationMs: spec.durationMs };
      const r = (await page.evaluate(`window.iceprobe.ceiling(${JSON.stringify(c)})`)) as CeilingResult;
      out.push({ url: s.url, ...r, ms: Math.round(r.ms) });
    }
  } finally {
    await pages.close();
    await browser.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] === ENTRY && process.argv[2] === '--reference') {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`reference: ${(e as Error)?.message ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
