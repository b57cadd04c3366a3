/**
 * Self-signed certificates for the embedded and lab servers, made with the system's
 * `openssl` (present on every Debian/macOS machine; Node has no certificate builder).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../core/errors.js';

const run = promisify(execFile);

/** Runs `openssl` (bounded); EnvironmentError when it is not installed. */
export async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { timeout: 10_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EnvironmentError('openssl not found: it makes the local server\'s certificate; install it (apt-get install openssl)');
    }
    throw e;
  }
}

export interface CertFiles {
  cert: string;
  key: string;
  dir: string;
}

export interface CertOptions {
  commonName?: string;
  /** subjectAltName entries, e.g. ["DNS:localhost", "IP:127.0.0.1"]. */
  san?: string[];
  days?: number;
  dir?: string;
}

export async function makeSelfSignedCert(opts: CertOptions = {}): Promise<CertFiles> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'iceprobe-cert-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const cn = opts.commonName ?? 'localhost';
  const san = (opts.san ?? ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']).join(',');
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', String(opts.days ?? 2), '-subj', `/CN=${cn}`,
    '-addext', `subjectAltName=${san}`,
  ]);
  return { cert, key, dir };
}
