/**
 * Starts and stops a real coturn (`turnserver`) — the embedded default server, and the server
 * every integration and lab test talks to. Ports are free ports picked at start; credentials
 * are generated; the process is registered for cleanup so Ctrl-C never leaves it behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, accessSync, constants, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer, connect, isIP } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join, delimiter } from 'node:path';
import { makeSelfSignedCert, type CertFiles } from './certs.js';
import { EnvironmentError } from '../core/errors.js';
import { registerCleanup } from '../core/lifecycle.js';

export interface CoturnOptions {
  /** Address(es) to listen on. Default 127.0.0.1. */
  listeningIps?: string[];
  relayIp?: string;
  realm?: string;
  /** Long-term users; default: one generated user. Ignored when authSecret is set. */
  users?: { name: string; password: string }[];
  /** TURN REST shared secret (use-auth-secret). */
  authSecret?: string;
  /** Fixed ports instead of free ones (lab: 3478/5349 on a namespace address). */
  port?: number;
  tlsPort?: number;
  /** Extra DNS names for a generated certificate (it always names localhost and the listening IPs). */
  certNames?: string[];
  /**
   * The host the turns: URL names instead of the first listening IP (a name that resolves to it,
   * e.g. localhost; see loopbackName): Firefox ignores a turns: URL whose host is an IP address.
   * A generated certificate names it too.
   */
  turnsHost?: string;
  /** Certificate to use, or 'generate' (default), or null for no TLS listener. */
  tls?: CertFiles | 'generate' | null;
  allowLoopbackPeers?: boolean;
  userQuota?: number;
  totalQuota?: number;
  /** Run inside this network namespace (lab). */
  netns?: string;
  extraArgs?: string[];
  /** How long to wait for the listener. */
  startTimeoutMs?: number;
}

export interface Coturn {
  host: string;
  port: number;
  tlsPort: number | null;
  realm: string;
  username: string;
  password: string;
  authSecret: string | null;
  /** PEM of the TLS certificate (self-signed unless one was given), for clients that should trust it. */
  certPem: string | null;
  /** stun:, turn: udp, turn: tcp, turns: URLs for this server. */
  urls: { stun: string; turnUdp: string; turnTcp: string; turns: string | null };
  logs: () => string;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/**
 * `localhost` when this machine resolves it to `ip` (its IPv4 address, what every client here
 * connects to: /etc/hosts lists 127.0.0.1 first), else null: a name for a loopback server's
 * turns: URL that Firefox does not ignore. Bounded; never throws.
 */
export async function loopbackName(ip = '127.0.0.1', timeoutMs = 1_000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup('localhost', { family: 4, all: true }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return found[0]?.address === ip ? 'localhost' : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export function findTurnserver(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin', '/usr/local/bin'])) {
    const p = join(dir, 'turnserver');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new EnvironmentError(
    'coturn (turnserver) not found: the embedded default needs it; install it with "apt-get install coturn" (Debian/Ubuntu) or "brew install coturn" (macOS), or pass --url for your own servers',
  );
}

/** A port free for both TCP and UDP on host (and port+1 for RFC 5780 alt, which coturn may bind). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    if (port > 0 && port < 65535 && (await udpFree(host, port)) && (await udpFree(host, port + 1))) return port;
  }
  throw new Error('could not find a free port');
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

function waitForTcp(host: string, port: number, deadline: number, exited: () => string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      const why = exited();
      if (why !== null) return reject(new CoturnStartFailed(why));
      const sock = connect({ host, port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new CoturnStartFailed(`turnserver did not listen on ${host}:${port} in time`));
        else setTimeout(tryOnce, 20);
      });
    };
    tryOnce();
  });
}

function netnsSockets(netns: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('ss', ['-N', netns, '-Hlntu'], { timeout: 2_000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

/** Polls `ss -N <netns>` until UDP+TCP on `port` (and TCP on `tlsPort`) are open on every IP. */
async function waitForNetnsListeners(
  netns: string,
  ips: readonly string[],
  port: number,
  tlsPort: number | null,
  deadline: number,
  exited: () => string | null,
): Promise<void> {
  const ep = (ip: string, p: number) => `${ip.includes(':') ? `[${ip}]` : ip}:${p}`;
  const want = ips.flatMap((ip) => [`udp ${ep(ip, port)}`, `tcp ${ep(ip, port)}`, ...(tlsPort ? [`tcp ${ep(ip, tlsPort)}`] : [])]);
  for (;;) {
    const why = exited();
    if (why !== null) throw new Error(why);
    const have = new Set(
      (await netnsSockets(netns))
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5)
        .map((f) => `${f[0]} ${f[4]}`),
    );
    if (want.every((w) => have.has(w))) return;
    if (Date.now() > deadline) throw new Error(`turnserver did not listen on ${want.filter((w) => !have.has(w)).join(', ')} in namespace ${netns} in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until a STUN Binding request over UDP gets any answer (RFC 8489 §5 header, no attributes). */
function waitForUdp(host: string, port: number, deadline: number, exited: () => string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    randomBytes(12).copy(request, 8);
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve();
    };
    sock.on('message', () => done());
    sock.on('error', () => undefined); // ICMP port unreachable while coturn is not up yet: keep trying
    const tryOnce = () => {
      const why = exited();
      if (why !== null) return done(new CoturnStartFailed(why));
      if (Date.now() > deadline) return done(new CoturnStartFailed(`turnserver did not answer over UDP on ${host}:${port} in time`));
      sock.send(request, port, host, () => undefined);
      timer = setTimeout(tryOnce, 25);
    };
    tryOnce();
  });
}

/** Run directories of embedded coturns: `<tmpdir>/iceprobe-coturn-XXXXXX` (0700). */
export const RUN_DIR_PREFIX = 'iceprobe-coturn-';
/** In a run dir: the pid of the iceprobe process that owns it. */
const OWNER_FILE = 'owner.pid';
/** A run dir without an owner file is only someone else's in the making for this long. */
const UNOWNED_GRACE_MS = 10 * 60_000;

/**
 * The watchdog between iceprobe and coturn (POSIX sh, which every host has). It starts coturn,
 * forwards SIGTERM to it, and reads its own stdin — a pipe whose other end only iceprobe holds.
 * When iceprobe is gone, however it died (SIGKILL included), the pipe reaches EOF: the watchdog
 * kills coturn and removes the run dir (key, certificate, secrets file, turndb). It exits when
 * coturn does, with coturn's status; so it outlives neither.
 *
 * Arguments: $1 the run dir, then the command line to run.
 */
const WATCHDOG = [
  'dir="$1"; shift',
  'exec 3<&0',
  '"$@" </dev/null &',
  'pid=$!',
  '{ while read -r _line; do :; done; kill -9 "$pid" 2>/dev/null; rm -rf "$dir"; } <&3 >/dev/null 2>&1 &',
  'watch=$!',
  'exec 3<&-',
  'trap \'kill -TERM "$pid" 2>/dev/null\' TERM INT',
  'status=0',
  'while kill -0 "$pid" 2>/dev/null; do wait "$pid"; status=$?; done',
  'kill "$watch" 2>/dev/null',
  'exit "$status"',
].join('\n');

/** coturn's own pid (its pid file; else the watchdog's child that is not the shell), for tests and logs. */
function turnserverPid(dir: string, watchdog: number | undefined): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'turnserver.pid'), 'utf8'), 10);
    if (pid > 0) return pid;
  } catch {
    /* not written (yet) */
  }
  if (watchdog === undefined) return undefined;
  try {
    for (const c of readFileSync(`/proc/${watchdog}/task/${watchdog}/children`, 'utf8').trim().split(/\s+/)) {
      const argv0 = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (!argv0.endsWith('/sh') && argv0 !== 'sh') return Number(c);
    }
  } catch {
    /* not Linux, or gone */
  }
  return watchdog;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the run dirs (and kills the turnservers) of embedded coturns whose iceprobe is gone:
 * a kill -9 leaves no chance to clean up, so the next start does. Returns how many it removed.
 */
export function cleanStaleRunDirs(root = tmpdir(), now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(RUN_DIR_PREFIX));
  } catch {
    return 0;
  }
  for (const name of names) {
    const dir = join(root, name);
    try {
      let owner: number | null = null;
      try {
        owner = Number.parseInt(readFileSync(join(dir, OWNER_FILE), 'utf8'), 10);
      } catch {
        if (now - statSync(dir).mtimeMs < UNOWNED_GRACE_MS) continue; // being created, perhaps
      }
      if (owner !== null && Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
      try {
        const pid = Number.parseInt(readFileSync(join(dir, 'turnserver.pid'), 'utf8'), 10);
        if (pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('turnserver')) process.kill(pid, 'SIGKILL');
      } catch {
        /* no pid file, or that turnserver is gone already */
      }
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      /* another iceprobe cleaned it meanwhile */
    }
  }
  return removed;
}

/**
 * Starts coturn. Free ports are picked before coturn binds them, so another process can take one
 * in between (Chromium and test servers churn through ephemeral ports): when coturn exits or does
 * not listen at start and the ports were ours to pick, it is tried again on new ports, up to 3 times.
 */
export async function startCoturn(opts: CoturnOptions = {}): Promise<Coturn> {
  const ownPorts = opts.port === undefined && opts.tlsPort === undefined && !opts.netns;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCoturnOnce(opts);
    } catch (e) {
      if (!ownPorts || attempt >= 3 || !(e instanceof CoturnStartFailed)) throw e;
    }
  }
}

/**
 * coturn exited, or did not listen, before it was ready: e.g. a port taken between picking and
 * binding (coturn may log "cannot bind" for one listener and keep running without it).
 */
export class CoturnStartFailed extends Error {
  override readonly name = 'CoturnStartFailed';
}

async function startCoturnOnce(opts: CoturnOptions): Promise<Coturn> {
  const bin = findTurnserver();
  const listeningIps = opts.listeningIps ?? ['127.0.0.1'];
  const host = listeningIps[0] ?? '127.0.0.1';
  const realm = opts.realm ?? 'iceprobe.local';
  cleanStaleRunDirs();
  // 0700 (mkdtemp's mode): the key, the secrets file and the user db are ours alone.
  const dir = mkdtempSync(join(tmpdir(), RUN_DIR_PREFIX));
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
  const port = opts.port ?? (opts.netns ? 3478 : await freePort(host));
  const tls = opts.tls === undefined ? 'generate' : opts.tls;
  const names = [...new Set(['localhost', ...(opts.certNames ?? []), ...(opts.turnsHost !== undefined && isIP(opts.turnsHost) === 0 ? [opts.turnsHost] : [])])];
  const certs = tls === 'generate' ? await makeSelfSignedCert({ dir, san: [...names.map((n) => `DNS:${n}`), ...listeningIps.map((ip) => `IP:${ip}`)] }) : tls;
  const tlsPort = certs ? (opts.tlsPort ?? (opts.netns ? 5349 : await freePort(host))) : null;
  const users = opts.users ?? [{ name: `iceprobe-${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('base64url') }];
  const first = users[0] ?? { name: 'iceprobe', password: randomBytes(12).toString('base64url') };

  // Secrets go through a 0600 file (coturn's -c), never the command line every local user can
  // read in ps. Everything else stays on the command line, where it is easy to read in a log.
  const secretLines: string[] = [];
  const confPath = join(dir, 'turnserver.conf');
  const args = [
    '-c',
    confPath,
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
    '--fingerprint',
    `--realm=${realm}`,
    `--listening-port=${port}`,
    `--relay-ip=${opts.relayIp ?? host}`,
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    `--userdb=${join(dir, 'turndb')}`,
    '--no-multicast-peers',
    ...listeningIps.map((ip) => `--listening-ip=${ip}`),
  ];
  if (opts.authSecret) {
    args.push('--use-auth-secret');
    secretLines.push(`static-auth-secret=${opts.authSecret}`);
  } else {
    args.push('--lt-cred-mech');
    for (const u of users) secretLines.push(`user=${u.name}:${u.password}`);
  }
  if (secretLines.some((l) => /[\r\n]/.test(l))) throw new Error('internal: a coturn secret or user name contains a line break');
  writeFileSync(confPath, `${secretLines.join('\n')}\n`, { mode: 0o600 });
  if (certs && tlsPort) args.push(`--tls-listening-port=${tlsPort}`, `--cert=${certs.cert}`, `--pkey=${certs.key}`);
  else args.push('--no-tls', '--no-dtls');
  if (opts.allowLoopbackPeers ?? true) args.push('--allow-loopback-peers');
  if (opts.userQuota !== undefined) args.push(`--user-quota=${opts.userQuota}`);
  if (opts.totalQuota !== undefined) args.push(`--total-quota=${opts.totalQuota}`);
  if (listeningIps.length < 2) args.push('--no-rfc5780');
  args.push(...(opts.extraArgs ?? []));

  const command = opts.netns ? ['ip', 'netns', 'exec', opts.netns, bin, ...args] : [bin, ...args];
  // Its own process group (detached): Ctrl-C reaches iceprobe, which stops coturn in order; a
  // hurried stop kills the whole group at once. stdin is the watchdog's lifeline (see WATCHDOG).
  const child: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, 'iceprobe-coturn-watchdog', dir, ...command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin?.on('error', () => undefined);
  let log = '';
  const keep = (s: string) => {
    log += s;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  let exitWhy: string | null = null;
  child.once('exit', (code, sig) => {
    exitWhy = `turnserver exited (${sig ?? code}) before it was ready: ${log.split('\n').filter((l) => /error|cannot|fail/i.test(l)).slice(-3).join(' | ') || 'no log'}`;
  });
  child.once('error', (e) => {
    exitWhy = `turnserver could not start: ${e.message}`;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }, 2_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = registerCleanup('coturn', stop, () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL'); // the watchdog, coturn and the lifeline reader
      } catch {
        /* gone already */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const deadline = Date.now() + (opts.startTimeoutMs ?? 8_000);
  try {
    if (opts.netns) {
      // Can't TCP-connect into another namespace from here, and coturn's log does not say when
      // its listeners are open: ask the namespace's socket table (`ss -N`) until every listening
      // IP has its TCP (+TLS) listener and UDP socket.
      await waitForNetnsListeners(opts.netns, listeningIps, port, tlsPort, deadline, () => exitWhy);
    } else {
      await waitForTcp(host, port, deadline, () => exitWhy);
      if (tlsPort) await waitForTcp(host, tlsPort, deadline, () => exitWhy);
      // coturn opens its UDP listener on another thread: TCP being up does not mean UDP is.
      for (const ip of listeningIps) await waitForUdp(ip, port, deadline, () => exitWhy);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const h = host.includes(':') ? `[${host}]` : host;
  const th = opts.turnsHost === undefined ? h : opts.turnsHost.includes(':') ? `[${opts.turnsHost}]` : opts.turnsHost;
  return {
    host,
    port,
    tlsPort,
    realm,
    username: first.name,
    password: first.password,
    authSecret: opts.authSecret ?? null,
    certPem: certs ? readFileSync(certs.cert, 'utf8') : null,
    urls: {
      stun: `stun:${h}:${port}`,
      turnUdp: `turn:${h}:${port}?transport=udp`,
      turnTcp: `turn:${h}:${port}?transport=tcp`,
      turns: tlsPort ? `turns:${th}:${tlsPort}?transport=tcp` : null,
    },
    logs: () => log,
    pid: turnserverPid(dir, child.pid),
    stop,
  };
}
