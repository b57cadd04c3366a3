/**
 * Relay capacity benchmark: concurrent idle connections and relayed messages/s, with the
 * relay's own memory.
 *
 * The relay runs in a child process (bench/relay-child.ts) on 127.0.0.1, so VmRSS and CPU time
 * are the relay's alone; this process is the client. It opens N idle WebSocket connections
 * (default 10,000), reads the child's VmRSS from /proc/<pid>/status, then, with the idle
 * connections still open, drives P pairs in P rooms for ~2 s, each sender keeping a bounded
 * window of candidate messages in flight, and counts what the receivers got. The relay's CPU
 * time over the same interval is read from /proc, so a client-bound run (this process saturates
 * before the relay does, likely on 2 cores) still yields the relay's per-core rate.
 *
 * Both processes need N + a margin of file descriptors: the soft `ulimit -n` of each is checked
 * first and N is lowered (with a note) rather than failing half-way.
 *
 * Run: `npm run build && node dist/bench/relay.js [N]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';

export interface BenchRelayOptions {
  /** Idle connections to open. Default 10,000. */
  connections?: number;
  /** Sender/receiver pairs for the message-rate phase. Default 8. */
  pairs?: number;
  /** Messages in flight per pair. Default 256. */
  window?: number;
  /** Message-rate measurement duration. Default 2,000 ms. */
  durationMs?: number;
  /** Concurrent connection attempts while opening. Default 500. */
  connectBatch?: number;
  /** Bound on the whole benchmark. Default 120 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface BenchRelayResult {
  idleConnections: number;
  /** Relay process VmRSS with the idle connections open, MB (MiB). */
  rssMB: number;
  /** Relayed messages per second delivered to receivers, with the idle connections open. */
  messagesPerSecond: number;
  /** Relay process VmRSS right after start, MB. */
  baselineRssMB: number;
  /** (rss - baseline) / connections, KiB. */
  kibPerConnection: number;
  /** Relay CPU time / wall time during the message phase (1.0 = one core saturated). */
  relayCpuCores: number;
  /**
   * messagesPerSecond / relayCpuCores: messages the relay handles per second of its own CPU,
   * i.e. its one-core ceiling when the client side (not the relay) is what limits the rate.
   */
  messagesPerCpuSecond: number;
  /** Mean payload of a relayed message, bytes. */
  messageBytes: number;
  connectMs: number;
  fdLimit: { client: number; relay: number };
  notes: string[];
}

const CANDIDATE = {
  candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'EsAw',
};

export async function benchRelay(opts: BenchRelayOptions = {}): Promise<BenchRelayResult> {
  const log = opts.log ?? (() => {});
  const pairs = opts.pairs ?? 8;
  const windowSize = opts.window ?? 256;
  const durationMs = opts.durationMs ?? 2_000;
  const batch = opts.connectBatch ?? 500;
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const notes: string[] = [];

  const margin = 2 * pairs + 256;
  const clientFd = openFilesLimit('self');
  let n = opts.connections ?? 10_000;
  if (n + margin > clientFd) {
    notes.push(`client soft ulimit -n is ${clientFd}: lowered connections from ${n} to ${clientFd - margin}`);
    n = clientFd - margin;
  }

  const child = spawnRelayChild({
    messagesPerSecond: null,
    maxConnections: n + 2 * pairs + 16,
    maxRooms: pairs + 16,
    idleTimeoutMs: 600_000,
    heartbeatIntervalMs: 30_000,
  });
  const sockets: WebSocket[] = [];
  try {
    const port = await waitReady(child.proc, Math.min(15_000, deadline - Date.now()));
    const pid = child.proc.pid as number;
    const relayFd = openFilesLimit(String(pid));
    if (n + margin > relayFd) {
      notes.push(`relay soft ulimit -n is ${relayFd}: lowered connections from ${n} to ${relayFd - margin}`);
      n = relayFd - margin;
    }
    const url = `ws://127.0.0.1:${port}/ws`;
    await sleep(200);
    const baselineRssMB = rssMB(pid);
    log(`relay child pid=${pid} port=${port} baseline rss=${baselineRssMB.toFixed(1)} MB; opening ${n} idle connections`);

    // ---- idle connections
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch) {
      const k = Math.min(batch, n - i);
      const opened = Array.from({ length: k }, () => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        sockets.push(ws);
        return opened1(ws, Math.max(1_000, deadline - Date.now()));
      });
      await Promise.all(opened);
      if (Date.now() > deadline) throw new Error('relay bench: time bound reached while opening connections');
    }
    const connectMs = performance.now() - t0;
    await sleep(500); // let the relay settle (allocations after the handshake)
    const rss = rssMB(pid);
    const idleConnections = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    log(`${idleConnections} idle connections open in ${connectMs.toFixed(0)} ms; relay rss=${rss.toFixed(1)} MB`);

    // ---- relayed messages/s, idle connections still open
    const ends: { tx: WebSocket; rx: WebSocket }[] = [];
    for (let p = 0; p < pairs; p++) {
      const tx = new WebSocket(url, { perMessageDeflate: false });
      const rx = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(tx, rx);
      await Promise.all([opened1(tx, 5_000), opened1(rx, 5_000)]);
      await joinRoom(tx, `bench-${p}`);
      await joinRoom(rx, `bench-${p}`);
      ends.push({ tx, rx });
    }
    const payload = JSON.stringify({ type: 'candidate', candidate: CANDIDATE });
    let received = 0;
    let counting = false;
    let running = true;
    for (const { tx, rx } of ends) {
      rx.on('message', () => {
        if (counting) received++;
        if (running && tx.readyState === WebSocket.OPEN) tx.send(payload);
      });
      for (let i = 0; i < windowSize; i++) tx.send(payload);
    }
    await sleep(300); // warm-up
    const cpu0 = cpuSeconds(pid);
    const m0 = performance.now();
    counting = true;
    await sleep(durationMs);
    counting = false;
    const wall = (performance.now() - m0) / 1000;
    const cpu1 = cpuSeconds(pid);
    running = false;
    const messagesPerSecond = Math.round(received / wall);
    const relayCpuCores = Math.round(((cpu1 - cpu0) / wall) * 100) / 100;
    log(`${received} messages relayed in ${wall.toFixed(2)} s across ${pairs} pairs: ${messagesPerSecond}/s, relay cpu ${relayCpuCores} cores`);

    return {
      idleConnections,
      rssMB: round1(rss),
      messagesPerSecond,
      baselineRssMB: round1(baselineRssMB),
      kibPerConnection: round1(((rss - baselineRssMB) * 1024) / Math.max(1, idleConnections)),
      relayCpuCores,
      messagesPerCpuSecond: relayCpuCores > 0 ? Math.round(messagesPerSecond / relayCpuCores) : 0,
      messageBytes: Buffer.byteLength(JSON.stringify({ type: 'candidate', candidate: CANDIDATE, from: 'p1a' })),
      connectMs: Math.round(connectMs),
      fdLimit: { client: clientFd, relay: relayFd },
      notes,
    };
  } finally {
    for (const s of sockets) s.terminate();
    await child.stop();
  }
}

// ---- helpers

function spawnRelayChild(relayOpts: Record<string, unknown>): { proc: ChildProcess; stop: () => Promise<void> } {
  const entry = childEntry();
  const proc = spawn(process.execPath, [entry, JSON.stringify(relayOpts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.stdin?.end();
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(t);
  };
  return { proc, stop };
}

/** The compiled child entry next to this module (dist/bench/relay-child.js). */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.js')) return join(dir, 'relay-child.js');
  // Running from source (vitest): use the build output, which Node can run without a loader.
  const built = join(dir, '..', 'dist', 'bench', 'relay-child.js');
  if (existsSync(built)) return built;
  throw new Error('bench/relay: build first (npm run build); Node 20 cannot run the .ts child entry');
}

function waitReady(proc: ChildProcess, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`relay child not ready within ${ms} ms`)), ms);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay child exited early (code ${code})`));
    });
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
}

function opened1(ws: WebSocket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay bench: connection not open in time')), ms);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function joinRoom(ws: WebSocket, room: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay bench: join timed out')), 5_000);
    ws.once('message', (d) => {
      clearTimeout(timer);
      const m = JSON.parse(d.toString()) as { type: string };
      if (m.type === 'joined') resolve();
      else reject(new Error(`relay bench: join failed: ${d.toString()}`));
    });
    ws.send(JSON.stringify({ type: 'join', room }));
  });
}

/** Soft "Max open files" of a process, from /proc/<pid>/limits. */
function openFilesLimit(pid: string): number {
  const text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** utime + stime of a process, seconds (fields 14, 15 of /proc/<pid>/stat, in clock ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  benchRelay({ connections: n, log: (l) => console.log(`# ${l}`) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
