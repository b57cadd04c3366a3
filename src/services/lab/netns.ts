/**
 * Network-namespace primitives for the NAT lab: environment checks, create/delete, run a
 * command inside one, and find leftovers. Every lab namespace is named `ipb-<runId>-<role>`
 * so parallel runs never collide and `labDown()` can find what a killed run left behind.
 *
 * Veth pairs are created directly inside the namespaces (`ip -n A link add … peer … netns B`),
 * so nothing ever exists in the host's own namespace: deleting the namespaces removes every
 * interface, iptables rule and qdisc the lab made.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../../core/errors.js';
import { findTurnserver } from '../../servers/coturn.js';
import { exec, type ExecOptions, type ExecResult } from './exec.js';

export const NS_PREFIX = 'ipb-';

export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

export function nsName(runId: string, role: string): string {
  return `${NS_PREFIX}${runId}-${role}`;
}

/** CAP_NET_ADMIN (bit 12) in the effective set: root has it, so may a capable non-root user. */
export function hasNetAdmin(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] !== undefined && (BigInt(`0x${m[1]}`) & (1n << 12n)) !== 0n;
  } catch {
    return false;
  }
}

let envChecked: Promise<void> | null = null;

/**
 * Throws an EnvironmentError naming what is missing: Linux, root/CAP_NET_ADMIN, `ip`, `tc`,
 * `iptables` and (unless `needTurnserver` is false) coturn's `turnserver`.
 */
export function requireLabEnvironment(opts: { needTurnserver?: boolean } = {}): Promise<void> {
  if (process.platform !== 'linux') {
    return Promise.reject(new EnvironmentError(`the NAT lab needs Linux network namespaces; this is ${process.platform}`));
  }
  if (!hasNetAdmin()) {
    return Promise.reject(new EnvironmentError('the NAT lab needs root (or CAP_NET_ADMIN) to create network namespaces; run it with sudo'));
  }
  if (opts.needTurnserver ?? true) findTurnserver();
  envChecked ??= (async () => {
    // Each throws EnvironmentError with an install hint when the program is missing.
    await exec('ip', ['-V']);
    await exec('tc', ['-V']);
    await exec('iptables', ['-V']).catch(async (e: unknown) => {
      // A machine with only the legacy binary is fine too.
      if (e instanceof EnvironmentError) await exec('iptables-legacy', ['-V']);
      else throw e;
    });
  })();
  envChecked.catch(() => (envChecked = null));
  return envChecked;
}

export async function listNamespaces(): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

export async function listLabNamespaces(runId?: string): Promise<string[]> {
  const prefix = runId ? `${NS_PREFIX}${runId}-` : NS_PREFIX;
  return (await listNamespaces()).filter((n) => n.startsWith(prefix));
}

export async function createNamespace(name: string): Promise<void> {
  if (!name.startsWith(NS_PREFIX)) throw new Error(`internal: lab namespace ${name} must start with ${NS_PREFIX}`);
  await exec('ip', ['netns', 'add', name]);
  await exec('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Pids of processes living in a namespace (`ip netns pids`). */
export async function namespacePids(name: string): Promise<number[]> {
  const r = await exec('ip', ['netns', 'pids', name], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((p) => Number.isInteger(p) && p > 0);
}

/**
 * Kills what still runs in the namespace (TERM, then KILL after `graceMs`) and deletes it.
 * A namespace stays alive while a process holds it, so the kill comes first.
 */
export async function deleteNamespace(name: string, graceMs = 1_000): Promise<void> {
  if (!name.startsWith(NS_PREFIX)) throw new Error(`internal: refusing to delete non-lab namespace ${name}`);
  let pids = await namespacePids(name);
  if (pids.length > 0) {
    for (const p of pids) signal(p, 'SIGTERM');
    const until = Date.now() + graceMs;
    while (pids.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      pids = pids.filter(alive);
    }
    for (const p of pids) signal(p, 'SIGKILL');
  }
  await exec('ip', ['netns', 'delete', name], { allowFailure: true });
  removeNamespaceEtc(name);
}

/** `ip netns exec` mounts files from here over /etc (the lab writes a client's hosts file). */
export const NETNS_ETC = '/etc/netns';

/** Writes /etc/netns/<ns>/<file>: what the namespace's processes see as /etc/<file>. */
export function writeNamespaceEtc(name: string, file: string, content: string): void {
  if (!name.startsWith(NS_PREFIX)) throw new Error(`internal: refusing to write /etc for non-lab namespace ${name}`);
  mkdirSync(join(NETNS_ETC, name), { recursive: true });
  writeFileSync(join(NETNS_ETC, name, file), content, { mode: 0o644 });
}

/** Removes /etc/netns/<ns> (synchronous: also used at process exit). */
export function removeNamespaceEtc(name: string): void {
  if (!name.startsWith(NS_PREFIX)) return;
  rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
}

/** Lab entries under /etc/netns (a killed run's, for labDown). */
export function listLabNamespaceEtc(): string[] {
  try {
    return readdirSync(NETNS_ETC).filter((n) => n.startsWith(NS_PREFIX));
  } catch {
    return [];
  }
}

/** Synchronous best effort for process exit: kill by pid only (namespaces are removed by labDown). */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command inside a namespace, bounded (`ip netns exec`). */
export function runInNamespace(ns: string, cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return exec('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** The commands of one iptables flavour; `restore6` is its ip6tables twin (same backend). */
export type IptablesFlavor = { iptables: string; restore: string; save: string; restore6: string };

let flavor: Promise<IptablesFlavor> | null = null;

/**
 * nft or legacy: whichever `iptables` is works inside a namespace is used; if the default
 * (nft on Debian 12) cannot load, fall back to `iptables-legacy`. Probed once, in `ns`.
 */
export function iptablesFlavor(ns: string): Promise<IptablesFlavor> {
  flavor ??= (async () => {
    const candidates: IptablesFlavor[] = [
      { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save', restore6: 'ip6tables-restore' },
      { iptables: 'iptables-legacy', restore: 'iptables-legacy-restore', save: 'iptables-legacy-save', restore6: 'ip6tables-legacy-restore' },
    ];
    const problems: string[] = [];
    for (const c of candidates) {
      try {
        await runInNamespace(ns, c.iptables, ['-t', 'nat', '-S'], { timeoutMs: 5_000 });
        return c;
      } catch (e) {
        problems.push(`${c.iptables}: ${(e as Error).message}`);
      }
    }
    throw new EnvironmentError(`no working iptables (nft or legacy) for the lab: ${problems.join('; ')}; install it with "apt-get install iptables"`);
  })();
  flavor.catch(() => (flavor = null));
  return flavor;
}
