/**
 * A name this machine resolves but the browser cannot: in a dual-stack lab client, a name only in
 * the namespace's /etc/hosts (the lab's DNS server does not know it) next to turn.lab.test, which
 * the DNS server answers. getaddrinfo (the dns check and the Node probes) reads the hosts file;
 * Chromium resolves STUN/TURN names with its own DNS client and fails with 701 "host lookup".
 * The real check must say BROWSER_DNS_FAILED, not that the server is unreachable.
 *
 * Needs root, coturn, Chromium and `npx tsc -p .` (the check runs from dist/).
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec } from '../../src/services/lab/exec.js';
import { writeNamespaceEtc } from '../../src/services/lab/netns.js';
import { LAB_SERVER_NAME, labClientEtc } from '../../src/services/lab/rules.js';
import { Report } from '../../src/core/schema.js';
import { expectHostLeftAsFound, startLab, type Lab } from './helpers.js';

expectHostLeftAsFound();

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const HOSTS_ONLY = 'hosts-only.lab.test';

let lab: Lab | undefined;
beforeAll(async () => {
  lab = await startLab('dual-stack');
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

it('a name only in /etc/hosts: the Node probes reach the server, the browser cannot resolve it (BROWSER_DNS_FAILED)', { timeout: 90_000 }, async () => {
  if (!lab) throw new Error('lab not started');
  const client = lab.topo.sites[0]?.client ?? '';
  const port = lab.scenario.turn.port;
  writeNamespaceEtc(client, 'hosts', `${labClientEtc().hosts}${lab.topo.serverIps[0]} ${HOSTS_ONLY}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'iceprobe-browser-dns-'));
  const out = join(dir, 'report.json');
  const args = ['netns', 'exec', client, process.execPath, CLI, 'check', '--url', `stun:${HOSTS_ONLY}:${port}`, '--url', `stun:${LAB_SERVER_NAME}:${port}`, '--no-calls', '--timeout', '3000', '--json', out, '--quiet'];
  let report: Report;
  try {
    const r = await exec('ip', args, { allowFailure: true, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(1);
    report = Report.parse(JSON.parse(readFileSync(out, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const byId = (id: string) => report.checks.find((c) => c.id === id);
  expect(byId(`dns:${HOSTS_ONLY}`)?.code).toBe('OK');
  expect(byId(`stun-binding:stun:${HOSTS_ONLY}:${port}`)?.code).toBe('OK');
  expect(byId(`gather:stun:${HOSTS_ONLY}:${port}`)?.code).toBe('BROWSER_DNS_FAILED');
  // The name the DNS server answers works in the browser: the difference is the resolver, not the server.
  expect(byId(`gather:stun:${LAB_SERVER_NAME}:${port}`)?.code).toBe('OK');
  const codes = report.findings.map((f) => f.code);
  expect(codes).toContain('BROWSER_DNS_FAILED');
  expect(codes).not.toContain('SERVER_UNREACHABLE');
  expect(codes).not.toContain('DNS_FAILURE');
});
