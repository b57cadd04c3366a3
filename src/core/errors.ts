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

/**
 * An output (--json, --html, --junit, the step summary) could not be written. Carries one line
 * per output that failed, naming its flag and path, and what was written anyway. Exit 2.
 */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  constructor(
    readonly problems: readonly string[],
    /** The outputs that were written despite the failures (e.g. `{ format, path }`). */
    readonly written: readonly { format: string; path: string; bytes: number }[] = [],
  ) {
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

/** Longest piece of user input an error line echoes. */
export const ECHO_MAX = 120;
/** Longest error line the CLI prints: one problem is one bounded line. */
export const LINE_MAX = 600;

/**
 * A piece of input as an error line may show it: control characters (newlines, ANSI escapes,
 * bidi overrides) written as escapes, so it can neither split the line nor repaint the
 * terminal, and cut to `max` characters with the count of what was left out.
 */
export function echoInput(text: string, max = ECHO_MAX): string {
  const chars = [...text];
  const shown = chars.length > max ? chars.slice(0, max) : chars;
  let out = '';
  for (const ch of shown) out += escapeChar(ch);
  return chars.length > max ? `${out}…(${chars.length - max} more characters)` : out;
}

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  // C0, DEL, C1 controls; line/paragraph separators; bidi embeddings, overrides and isolates.
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
    return `\\u${cp.toString(16).padStart(4, '0')}`;
  }
  return ch;
}

/** A message as one printable line: whitespace runs (newlines included) folded, controls escaped, bounded. */
export function oneLine(text: string, max = LINE_MAX): string {
  return echoInput(text.replace(/\s*[\r\n]+\s*/g, ' ').trim(), max);
}

/** Why a file could not be read, in the words a one-line error uses. */
export function readFailure(e: unknown): string {
  if (e instanceof Error && e.name === 'FileRefused') return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'file not found',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'exists and is not a directory',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
  };
  return (code !== undefined ? words[code] : undefined) ?? String(code ?? (e instanceof Error ? e.message : e));
}

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, internal: 3, interrupted: 130, terminated: 143 } as const;

/** The signals that stop iceprobe gracefully (lifecycle.ts). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * The exit code of a process stopped by a signal: 128 + the signal's number, as shells report
 * it: Ctrl-C (SIGINT) 130, SIGTERM 143. Every signal exit (lifecycle's own, a long-running
 * command's stop) takes its code from here.
 */
export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof RunError) return exitCodeFor(err.cause);
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof OutputError || err instanceof EnvironmentError) return EXIT.usage;
  if (err instanceof InterruptedError) return EXIT.interrupted;
  return EXIT.internal;
}
