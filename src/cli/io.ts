import { liveProgressAllowed } from './progress.js';

/** Where the CLI writes: injectable so end-to-end tests can run it in-process too. */
export interface Io {
  out: (text: string) => void;
  err: (line: string) => void;
  /** A one-line progress indicator (a terminal, not CI); null clears it. Null when there is none. */
  progress: ((line: string | null) => void) | null;
  isTTY: boolean;
  columns: number | undefined;
  env: NodeJS.ProcessEnv;
  exitCode?: number;
}

export function consoleIo(): Io {
  // A live line only on a real terminal and never in CI logs (src/cli/progress.ts).
  const tty = liveProgressAllowed(Boolean(process.stderr.isTTY), process.env);
  // `iceprobe check | head` closes stdout early: the rest of the table is unwanted, but the run
  // goes on (its --json/--html/--junit files are still written, its exit code still says how it
  // went) instead of dying on EPIPE with a stack trace.
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  });
  return {
    out: (text) => {
      if (!stdoutClosed) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    // A message clears the live line first, so the two never share a row.
    err: (line) => process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${line}\n`),
    progress: tty
      ? (line) => {
          process.stderr.write(`\r\x1b[2K${line === null ? '' : line.slice(0, (process.stderr.columns ?? 80) - 1)}`);
        }
      : null,
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
    env: process.env,
  };
}
