/**
 * Dual-stack hosts against a real coturn: a name with an A (127.0.0.1) and an AAAA (::1) record
 * (an injected resolver; loopback is the only IPv6 we may use outside the lab). Every Node probe
 * runs on both addresses; the diagnosis pairs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../../src/servers/coturn.js';
import { diagnose } from '../../../src/diagnosis/index.js';
import { runProtocolProbes, ProtocolCode } from '../../../src/probes-node/index.js';
import type { Resolver } from '../../../src/probes-node/dns.js';
import type { Report } from '../../../src/core/schema.js';
import { echoServers } from '../../../src/config/config.js';
import { byId, spec, uri } from './helpers.js';

const TIMEOUT = 2_000;
const NAME = 'dual.test';
const dualStack: Resolver = { lookup: async (host, family) => (host === NAME ? [family === 4 ? '127.0.0.1' : '::1'] : []) };

function urls(srv: Coturn): string[] {
  return [`stun:${NAME}:${srv.port}`, `turn:${NAME}:${srv.port}?transport=udp`, `turn:${NAME}:${srv.port}?transport=tcp`];
}

async function probe(srv: Coturn, opts: { routeCheck?: (a: string) => Promise<boolean> } = {}) {
  const servers = urls(srv).map((u) => (u.startsWith('turn') ? spec(u, srv.username, srv.password) : spec(u)));
  const checks = await runProtocolProbes(servers, { timeoutMs: TIMEOUT, config: false, nat: false, pathQuality: false, resolver: dualStack, ...opts });
  const findings = diagnose({ servers: echoServers(servers), checks, candidates: [] } as Pick<Report, 'servers' | 'checks' | 'candidates'>);
  return { checks, findings };
}

describe('a dual-stack name, coturn on both 127.0.0.1 and ::1', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn({ listeningIps: ['127.0.0.1', '::1'], tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('probes each URL on both families; both pass; no dual-stack finding', async () => {
    const { checks, findings } = await probe(srv);
    for (const u of urls(srv)) {
      const id = `${u.startsWith('stun') ? 'stun-binding' : 'turn-allocate'}:${uri(u).canonical}`;
      const v4 = byId(checks, id);
      const v6 = byId(checks, `${id}@ipv6`);
      expect(v4.code, JSON.stringify(v4)).toBe('OK');
      expect(v6.code, JSON.stringify(v6)).toBe('OK');
      expect(v6.details).toMatchObject({ family: 6, host: NAME, address: '::1' });
    }
    expect(byId(checks, `stun-binding:stun:${NAME}:${srv.port}@ipv6`).details.mappedAddress).toMatch(/^\[::1\]:\d+$/);
    expect(findings.map((f) => f.code)).not.toContain('IPV6_PATH_BROKEN');
    expect(findings.map((f) => f.code)).not.toContain('DUAL_STACK_MISMATCH');
  });

  it('a machine without an IPv6 route skips the AAAA instead of blaming the server', async () => {
    const { checks, findings } = await probe(srv, { routeCheck: async (a) => !a.includes(':') });
    const twins = checks.filter((c) => c.id.endsWith('@ipv6'));
    expect(twins).toHaveLength(3);
    for (const t of twins) expect([t.status, t.code]).toEqual(['skip', ProtocolCode.SKIPPED_NO_IPV6_ROUTE]);
    expect(findings.map((f) => f.code)).not.toContain('IPV6_PATH_BROKEN');
  });
});

describe('a dual-stack name whose AAAA has no server behind it (coturn on 127.0.0.1 only)', () => {
  let srv: Coturn;
  beforeAll(async () => {
    srv = await startCoturn({ listeningIps: ['127.0.0.1'], tls: null });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('IPv4 passes, IPv6 fails on every transport: IPV6_PATH_BROKEN citing the twins', async () => {
    const { checks, findings } = await probe(srv);
    const twins = checks.filter((c) => c.id.endsWith('@ipv6'));
    expect(twins).toHaveLength(3);
    for (const t of twins) {
      expect(t.status).toBe('fail');
      expect([ProtocolCode.CONNECTION_REFUSED, ProtocolCode.TIMEOUT]).toContain(t.code);
      expect(byId(checks, t.id.replace(/@ipv6$/, '')).code).toBe('OK');
    }
    const f = findings.find((x) => x.code === 'IPV6_PATH_BROKEN');
    expect(f?.severity).toBe('warn');
    expect(f?.checkIds).toEqual(expect.arrayContaining(twins.map((t) => t.id)));
    expect(findings.map((x) => x.code)).not.toContain('DUAL_STACK_MISMATCH');
    expect(JSON.stringify(checks)).not.toContain(srv.password);
  });
});
