/** Where the CLI writes: injectable so end-to-end tests can run it in-process too. */
export interface Io {
  out: (text: string) => void;
  err: (line: string) => void;
  /** A one-line progress indicator (TTY only); null clears it. */
  progress: ((line: string | null) => void) | null;
  isTTY: boolean;
  columns: number | undefined;
  env: NodeJS.ProcessEnv;
  exitCode?: number;
}

export function consoleIo(): Io {
  const tty = Boolean(process.stderr.isTTY);
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
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
