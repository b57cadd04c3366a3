/**
 * Ground truth measured inside the lab's namespaces with the lab's own tool (tool-source.ts),
 * independent of iceprobe's check: STUN mappings, TCP throughput through the rate limit, UDP
 * loss, and whether two sites can reach each other directly (hole punching).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { registerCleanup } from '../../core/lifecycle.js';
import { LAB_TOOL_SOURCE } from './tool-source.js';

interface ToolRun {
  child: ChildProcess;
  /** Resolves with the rest of the first stdout line starting with `prefix`. */
  line: (prefix: string) => Promise<string>;
  /** Resolves with the tool's JSON result (its last JSON line). */
  result: <T>() => Promise<T>;
  write: (s: string) => void;
}

export function startTool(ns: string, mode: string, args: readonly (string | number)[], timeoutMs: number): ToolRun {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', LAB_TOOL_SOURCE, mode, ...args.map(String)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const unregister = registerCleanup(`lab-tool ${mode}`, () => void child.kill('SIGKILL'), () => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  const waiters: { prefix: string; resolve: (s: string) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    for (const w of [...waiters]) {
      const l = stdout.split('\n').find((x) => x.startsWith(w.prefix));
      if (l !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l.slice(w.prefix.length).trim());
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin?.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (e) => {
      stderr += e.message;
      resolve(-1);
    });
    child.once('close', (code) => resolve(code));
  });
  void exited.then(() => unregister());
  const fail = (why: string) => new Error(`lab tool "${mode}" in ${ns} ${why}: ${stderr.trim().split('\n').slice(-3).join(' | ') || stdout.trim().slice(-200)}`);
  return {
    child,
    write: (s) => child.stdin?.write(s),
    line: (prefix) =>
      new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        void exited.then(() => reject(fail(`exited before printing ${prefix}`)));
      }),
    result: async <T>() => {
      const code = await exited;
      const json = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (code !== 0 || json === undefined) throw fail(`failed (exit ${code})`);
      const r = JSON.parse(json) as T & { fatal?: string };
      if (r.fatal) throw fail(`reported ${r.fatal}`);
      return r;
    },
  };
}

export interface Mapped {
  address: string;
  port: number;
}

export interface StunUdpResult {
  localPort: number;
  results: { target: string; mapped: Mapped | null; rttMs: number | null }[];
}

/** One UDP socket in `ns` sends a Binding to every target; null mapping = no answer in time. */
export function stunBindingsUdp(ns: string, targets: readonly string[], timeoutMs = 2_000, bindPort = 0): Promise<StunUdpResult> {
  return startTool(ns, 'stun-udp', [bindPort, timeoutMs, ...targets], timeoutMs + 5_000).result<StunUdpResult>();
}

export interface StunTcpResult {
  target: string;
  mapped: Mapped | null;
  error: string | null;
  ms: number;
}

export function stunBindingTcp(ns: string, target: string, timeoutMs = 2_000): Promise<StunTcpResult> {
  return startTool(ns, 'stun-tcp', [target, timeoutMs], timeoutMs + 5_000).result<StunTcpResult>();
}

export interface PathEnds {
  /** The NAT'd (or routed) side: it always connects. */
  clientNs: string;
  /** The internet side: it listens on ip:port. */
  serverNs: string;
  ip: string;
  port: number;
}

/** TCP goodput in bits/s, measured at the receiver after a warm-up. up = client → server. */
export async function measureTcpThroughput(ends: PathEnds, direction: 'up' | 'down', durationMs = 2_000): Promise<{ bitsPerSecond: number; bytes: number }> {
  const bound = durationMs + 10_000;
  const [listenMode, connectMode] = direction === 'up' ? ['tcp-recv', 'tcp-send'] : ['tcp-send', 'tcp-recv'];
  const server = startTool(ends.serverNs, listenMode, ['listen', ends.ip, ends.port, durationMs], bound);
  await server.line('READY');
  const client = startTool(ends.clientNs, connectMode, ['connect', ends.ip, ends.port, durationMs], bound);
  const [s, c] = await Promise.allSettled([server.result<{ bitsPerSecond?: number; bytes?: number }>(), client.result<{ bitsPerSecond?: number; bytes?: number }>()]);
  const recv = direction === 'up' ? s : c;
  if (recv.status === 'rejected') throw recv.reason;
  return { bitsPerSecond: recv.value.bitsPerSecond ?? 0, bytes: recv.value.bytes ?? 0 };
}

/** One-way UDP loss in percent over `count` paced datagrams. */
export async function measureUdpLoss(ends: PathEnds, direction: 'up' | 'down', count = 2_000): Promise<{ lossPercent: number; received: number; expected: number }> {
  const timeoutMs = 8_000;
  const [listenMode, connectMode] = direction === 'up' ? ['udp-recv', 'udp-send'] : ['udp-send', 'udp-recv'];
  const server = startTool(ends.serverNs, listenMode, ['listen', ends.ip, ends.port, count, timeoutMs], timeoutMs + 5_000);
  await server.line('READY');
  const client = startTool(ends.clientNs, connectMode, ['connect', ends.ip, ends.port, count, timeoutMs], timeoutMs + 5_000);
  const [s, c] = await Promise.allSettled([
    server.result<{ lossPercent: number; received: number; expected: number }>(),
    client.result<{ lossPercent: number; received: number; expected: number }>(),
  ]);
  const recv = direction === 'up' ? s : c;
  if (recv.status === 'rejected') throw recv.reason;
  return recv.value;
}

export interface PunchResult {
  aMapped: string;
  bMapped: string;
  /** Each side received the other's packets: a direct UDP path exists. */
  aReceived: boolean;
  bReceived: boolean;
  direct: boolean;
}

/**
 * Classic UDP hole punching between two client namespaces: each learns its mapping from the
 * STUN server, they swap mappings, and both send to each other for `windowMs`.
 */
export async function punchBetween(nsA: string, nsB: string, stun: string, windowMs = 1_500): Promise<PunchResult> {
  const bound = windowMs + 10_000;
  const a = startTool(nsA, 'punch', [stun, windowMs], bound);
  const b = startTool(nsB, 'punch', [stun, windowMs], bound);
  const [am, bm] = await Promise.all([a.line('MAPPED'), b.line('MAPPED')]);
  a.write(`${bm}\n`);
  b.write(`${am}\n`);
  type R = { receivedFrom: string | null; acked: boolean };
  const [ar, br] = await Promise.all([a.result<R>(), b.result<R>()]);
  return { aMapped: am, bMapped: bm, aReceived: ar.receivedFrom !== null, bReceived: br.receivedFrom !== null, direct: ar.receivedFrom !== null && br.receivedFrom !== null };
}
