/**
 * A command run to its exit as the integration tests run one (the built CLI, npm, the Action's
 * script, `script` for a pseudo-terminal): stdout and stderr collected, bounded, and by default
 * with a bare environment, so nothing of the developer's shell leaks into what is tested.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds first), as a user's `npx iceprobe` runs it. */
export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ProcessOptions {
  cwd?: string;
  /** The whole environment; default: `bareEnv()`. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** PATH and HOME only, plus `extra`. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...extra };
}

/** Runs `cmd` to its exit; rejects (and SIGKILLs it) when it outlives `timeoutMs`. */
export function runProcess(cmd: string, args: readonly string[], opts: ProcessOptions = {}): Promise<Ran> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { ...(opts.cwd ? { cwd: opts.cwd } : {}), env: opts.env ?? bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    // 'close', not 'exit': after 'exit' the pipes may still hold output.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** The built CLI with `args`, in a bare environment plus `env`. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Ran> {
  return runProcess(process.execPath, [CLI, ...args], { env: bareEnv(env), timeoutMs });
}
