/**
 * The lab's only way to run a system command: execFile-like, always bounded by a timeout,
 * optional stdin, and failures turned into one clear message (command, exit status, last
 * stderr lines). A missing program becomes an EnvironmentError that says how to install it.
 */
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../../core/errors.js';

export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

export interface ExecOptions {
  timeoutMs?: number;
  /** Written to the command's stdin (then closed). */
  input?: string;
  /** Do not throw on a non-zero exit; the caller looks at `code`. */
  allowFailure?: boolean;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A system command failed. Carries what was run (never a secret: the lab passes none on argv). */
export class LabCommandError extends Error {
  override readonly name = 'LabCommandError';
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    super(`lab command failed (${code === null ? 'killed: timeout' : `exit ${code}`}): ${command}${tail ? ` — ${tail}` : ''}`);
  }
}

const INSTALL_HINTS: Record<string, string> = {
  ip: 'install iproute2 ("apt-get install iproute2")',
  tc: 'install iproute2 ("apt-get install iproute2")',
  ss: 'install iproute2 ("apt-get install iproute2")',
  iptables: 'install iptables ("apt-get install iptables")',
  'iptables-legacy': 'install iptables ("apt-get install iptables")',
  'iptables-restore': 'install iptables ("apt-get install iptables")',
  'iptables-legacy-restore': 'install iptables ("apt-get install iptables")',
  turnserver: 'install coturn ("apt-get install coturn")',
  turnutils_stunclient: 'install coturn ("apt-get install coturn")',
};

export function exec(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const shown = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {
      /* the command may exit before reading its input; its exit status tells */
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new EnvironmentError(`"${cmd}" not found: the NAT lab needs it; ${INSTALL_HINTS[cmd] ?? 'install it'}`));
      } else reject(new LabCommandError(shown, null, e.message));
    });
    child.once('close', (code, signal) => {
      if (code === 0 || opts.allowFailure) resolve({ code, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
      else reject(new LabCommandError(shown, code, signal === 'SIGKILL' ? `${stderr}\ntimed out after ${timeoutMs} ms` : stderr));
    });
    child.stdin.end(opts.input ?? '');
  });
}
