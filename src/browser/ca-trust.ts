/**
 * Making Chromium trust a private CA (--ca-file) for TURNS, the way a user's machine does when
 * the enterprise CA is installed: a per-run NSS database with the CA as a trusted SSL issuer,
 * under a temporary HOME that only the browser process sees (Chromium on Linux reads user trust
 * anchors from $HOME/.pki/nssdb; its certificate verifier honours them for TURNS too).
 *
 * Measured with Debian's Chromium 156: with the CA imported this way a CA-signed turns:
 * certificate gathers a relay candidate and a wrong host name is still rejected (701), i.e. real
 * verification, not "ignore errors". `--ignore-certificate-errors-spki-list` with the CA's
 * SPKI hash does not work (it only matches the leaf's key, and then ignores every error).
 *
 * Needs `certutil` (Debian libnss3-tools) and Linux; otherwise the reason is returned and the
 * browser runs without the CA, which the report says (environment.browser.caTrust).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CERTUTIL_TIMEOUT_MS = 10_000;

export type CaTrust =
  | { ok: true; home: string; certificates: number; dispose: () => void }
  | { ok: false; reason: string };

/** Every PEM certificate block in a bundle (a --ca-file may hold several). Pure. */
export function pemBlocks(pems: readonly string[]): string[] {
  return pems.flatMap((p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []);
}

/** Builds the temporary HOME with an NSS db trusting every certificate in `pems` as a CA. */
export async function browserCaTrust(pems: readonly string[], platform: NodeJS.Platform = process.platform): Promise<CaTrust> {
  const blocks = pemBlocks(pems);
  if (blocks.length === 0) return { ok: false, reason: 'no PEM certificate to trust' };
  if (platform !== 'linux') return { ok: false, reason: `on ${platform} Chromium uses the system trust store; install the CA there` };
  const home = mkdtempSync(join(tmpdir(), 'iceprobe-browser-home-'));
  const dispose = () => rmSync(home, { recursive: true, force: true });
  try {
    const db = join(home, '.pki', 'nssdb');
    mkdirSync(db, { recursive: true });
    await run('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { timeout: CERTUTIL_TIMEOUT_MS });
    for (const [i, pem] of blocks.entries()) {
      const file = join(home, `ca-${i}.pem`);
      writeFileSync(file, `${pem}\n`);
      // -t "C,,": a trusted issuer of server (SSL) certificates, nothing else.
      await run('certutil', ['-A', '-d', `sql:${db}`, '-n', `iceprobe-ca-${i}`, '-t', 'C,,', '-i', file], { timeout: CERTUTIL_TIMEOUT_MS });
    }
    return { ok: true, home, certificates: blocks.length, dispose };
  } catch (e) {
    dispose();
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return { ok: false, reason: 'certutil not found (install libnss3-tools), so Chromium cannot be given the CA' };
    return { ok: false, reason: `certutil failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}` };
  }
}
