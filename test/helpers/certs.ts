/**
 * Test certificates of every kind (CA, intermediate, leaf; backdated or expired; with a chain),
 * made with the system's `openssl` like the product's own self-signed ones (src/servers/certs.ts).
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl, type CertFiles, type CertOptions } from '../../src/servers/certs.js';

export interface CertificateOptions extends CertOptions {
  /** File name stem inside dir (default "cert"): writes <name>.pem and <name>.key.pem. */
  name?: string;
  /** Validity window; default now-1h .. now+days. Past windows make expired certificates. */
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this CA instead of self-signing. */
  issuer?: CertFiles;
  /** Make a CA certificate (basicConstraints CA:TRUE, keyCertSign). */
  isCa?: boolean;
  /** PEM files appended after the certificate in the cert file (a chain the server sends). */
  chain?: string[];
}

const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Any test certificate — CA, intermediate, leaf; backdated/expired; with a chain — made with
 * `openssl ca`, the one OpenSSL 3.0 command that takes explicit start and end dates.
 */
export async function makeCertificate(opts: CertificateOptions = {}): Promise<CertFiles> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'iceprobe-cert-'));
  const name = opts.name ?? 'cert';
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key.pem`);
  const csr = join(dir, `${name}.csr`);
  const work = mkdtempSync(join(dir, `${name}-ca-`));
  const cn = opts.commonName ?? 'localhost';
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3_600_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + (opts.days ?? 2) * 86_400_000);
  writeFileSync(join(work, 'index.txt'), '');
  writeFileSync(join(work, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  writeFileSync(
    join(work, 'ca.cnf'),
    [
      '[ca]', 'default_ca = d', '[d]', `dir = ${work}`, `database = ${join(work, 'index.txt')}`, `new_certs_dir = ${work}`,
      `serial = ${join(work, 'serial')}`, 'default_md = sha256', 'policy = p', 'unique_subject = no', 'copy_extensions = none',
      '[p]', 'commonName = supplied',
    ].join('\n'),
  );
  const ext = ['[v3]', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid,issuer'];
  if (opts.isCa) ext.push('basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign');
  else {
    ext.push('basicConstraints = CA:FALSE', 'keyUsage = digitalSignature', 'extendedKeyUsage = serverAuth');
    ext.push(`subjectAltName = ${(opts.san ?? ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']).join(',')}`);
  }
  writeFileSync(join(work, 'ext.cnf'), ext.join('\n'));
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  await openssl([
    'ca', '-batch', '-notext', '-config', join(work, 'ca.cnf'), '-in', csr, '-out', cert,
    '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-extfile', join(work, 'ext.cnf'), '-extensions', 'v3',
    ...(opts.issuer ? ['-cert', opts.issuer.cert, '-keyfile', opts.issuer.key] : ['-selfsign', '-keyfile', key]),
  ]);
  for (const extra of opts.chain ?? []) appendFileSync(cert, readFileSync(extra));
  return { cert, key, dir };
}
