/**
 * pion/turn v2 (Go) as an independent TURN server for the peer tier: test/peers/pion/main.go,
 * built offline in GOPATH mode against Debian's golang-github-pion-turn.v2-dev, cached in the
 * temp dir by the source's hash (a rebuild only when main.go changes), started on free loopback
 * ports, stopped by closing its stdin (it exits on EOF, so it never outlives the test process).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SRC = fileURLToPath(new URL('./pion/', import.meta.url));
const GOPATH = '/usr/share/gocode';
const START_TIMEOUT_MS = 10_000;

/** The reason the tier cannot run here, or null. setup installs golang-go and the library. */
export function pionMissing(): string | null {
  if (!existsSync(`${GOPATH}/src/github.com/pion/turn/v2/server.go`)) return 'golang-github-pion-turn.v2-dev is not installed (bash scripts/setup installs it)';
  return null;
}

export async function buildPion(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(join(SRC, 'main.go'))).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'iceprobe-pion-build');
  const bin = join(dir, `pion-turn-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  await run('go', ['build', '-o', tmp, '.'], {
    cwd: SRC,
    timeout: 180_000,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(dir, 'gocache'), CGO_ENABLED: '0' },
  });
  renameSync(tmp, bin);
  return bin;
}

export interface PionServer {
  udp: number;
  tcp: number;
  /** Present when started with a certificate. */
  tls: number | null;
  realm: string;
  user: string;
  password: string;
  urls: { udp: string; tcp: string; tls: string | null };
  stop(): Promise<void>;
}

export interface PionOptions {
  user?: string;
  password?: string;
  realm?: string;
  cert?: { cert: string; key: string };
}

export async function startPion(bin: string, o: PionOptions = {}): Promise<PionServer> {
  const user = o.user ?? 'alice';
  const password = o.password ?? 'pion-password';
  const realm = o.realm ?? 'pion.test';
  const args = ['-user', `${user}=${password}`, '-realm', realm, ...(o.cert ? ['-cert', o.cert.cert, '-key', o.cert.key] : ['-tls-port', '-1'])];
  const child: ChildProcess = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`pion-turn did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.once('exit', (code) => fail(new Error(`pion-turn exited (${code}): ${stderr}`)));
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(JSON.parse(out.slice(0, nl)) as Record<string, number>);
    });
  });
  const at = (p: number) => `127.0.0.1:${p}`;
  const tls = ports.tls ?? null;
  return {
    udp: ports.udp!,
    tcp: ports.tcp!,
    tls,
    realm,
    user,
    password,
    urls: { udp: `turn:${at(ports.udp!)}?transport=udp`, tcp: `turn:${at(ports.tcp!)}?transport=tcp`, tls: tls ? `turns:${at(tls)}?transport=tcp` : null },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}
