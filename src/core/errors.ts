import type { Report } from './schema.js';

/**
 * The only exceptions iceprobe throws on purpose. A network outcome is never one of these:
 * it is a Check with a status and a code. The CLI maps these classes to exit codes in one
 * place (src/cli.ts → exitCodeFor).
 */

/** The command line was wrong: unknown flag, missing value, bad combination. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The configuration (file, flags, environment) was wrong. Carries every problem found, each
 * one line that names the input (with its path) and what to fix. Exit 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** A prerequisite is missing on this machine (coturn, Chromium, root for the lab). Exit 2. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** The run was interrupted (Ctrl-C / SIGTERM). Exit 130. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/**
 * A run stopped by a usage/environment/internal problem after it had measured something: the
 * partial report (secrets redacted) travels with the cause, so nothing measured is lost.
 */
export class RunError extends Error {
  override readonly name = 'RunError';
  constructor(
    override readonly cause: unknown,
    readonly report: Report,
    redactor?: { redact(text: string): string },
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(redactor ? redactor.redact(msg) : msg);
  }
}

/** Why a file could not be read, in the words a one-line error uses. */
export function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code ?? e);
}

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, internal: 3, interrupted: 130 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof RunError) return exitCodeFor(err.cause);
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof EnvironmentError) return EXIT.usage;
  if (err instanceof InterruptedError) return EXIT.interrupted;
  return EXIT.internal;
}
