/**
 * Reading a file the user named (a config, a saved report, a PEM): only a regular file, only up
 * to a size bound. A device (/dev/zero), a FIFO with no writer or a socket would otherwise be
 * read without end, or block the process so that even Ctrl-C is not handled.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Bounds for the files iceprobe reads. */
export const FILE_LIMITS = {
  /** A config file or a PEM file. */
  configBytes: 1024 * 1024,
  /** A saved JSON report (long calls carry many throughput samples). */
  reportBytes: 64 * 1024 * 1024,
} as const;

/** Why a named file was refused, in the words of a one-line error ("not a regular file …"). */
export class FileRefused extends Error {
  override readonly name = 'FileRefused';
}

/**
 * Reads a regular file as UTF-8. Throws FileRefused for anything else or anything larger than
 * maxBytes, and the fs error (ENOENT, EACCES, EISDIR …) when it cannot be opened.
 */
export function readRegularFile(path: string, maxBytes: number): string {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!st.isFile()) throw new FileRefused('not a regular file (a device, FIFO or socket); give the path of a file');
    if (st.size > maxBytes) throw new FileRefused(`larger than ${maxBytes} bytes (${st.size}); give the right file`);
    // Read to the end, not to st.size: /proc and friends report 0. Still bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      total += got;
      if (total > maxBytes) throw new FileRefused(`larger than ${maxBytes} bytes; give the right file`);
      chunks.push(chunk.subarray(0, got));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
