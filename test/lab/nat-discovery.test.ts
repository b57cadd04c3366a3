/**
 * RFC 5780 discovery behind the lab's real NATs (network namespaces, iptables; root). Each
 * scenario gets a fresh network and a coturn on the lab's two server addresses; the probe runs
 * as `iceprobe nat` (dist/) inside the client namespace. turnutils_natdiscovery, coturn's own
 * tool, runs on the same network for comparison: its filtering test (-f) first, on a fresh
 * router, because the lab's address-dependent filter remembers contacted addresses for every
 * socket at once (xt_recent), and turnutils' mapping test (-m) sends to the other address.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { loadScenario } from '../../src/services/lab/scenario.js';
import { buildTopology, type Topology } from '../../src/services/lab/topology.js';
import { Check } from '../../src/core/schema.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const PORT = 3478;

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    // SIGKILL at the bound: turnutils_natdiscovery can wait forever for an answer that never comes.
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout });
    });
  });
}

async function natProbe(ns: string, url: string): Promise<Check> {
  const r = await run('ip', ['netns', 'exec', ns, process.execPath, CLI, 'nat', '--url', url, '--json', '-'], 60_000);
  return Check.parse(JSON.parse(r.stdout));
}

/** "NAT with Address and Port Dependent Mapping!" → address-and-port-dependent. */
export function parseNatdiscovery(out: string, what: 'Mapping' | 'Filtering'): string | null {
  const m = new RegExp(`NAT with (Endpoint Independent|Address Dependent|Address and Port Dependent) ${what}!`).exec(out);
  return m ? (m[1] ?? '').toLowerCase().replace(/ and /, '-and-').replace(/ /g, '-') : null;
}

async function natdiscovery(ns: string, flag: '-m' | '-f', server: string): Promise<string | null> {
  const r = await run('ip', ['netns', 'exec', ns, 'turnutils_natdiscovery', flag, '-p', String(PORT), server], 20_000);
  return parseNatdiscovery(r.stdout, flag === '-m' ? 'Mapping' : 'Filtering');
}

interface Net {
  topo: Topology;
  coturn: Coturn;
  client: string;
  stop: () => Promise<void>;
}

async function network(name: string): Promise<Net> {
  const scenario = loadScenario(name);
  // One site is enough here; the second site of some scenarios is for calls.
  const topo = await buildTopology({ site: scenario });
  let coturn: Coturn;
  try {
    coturn = await startCoturn({ netns: topo.internet, listeningIps: [...topo.serverIps], relayIp: topo.serverIps[0], port: PORT, tls: null, allowLoopbackPeers: false });
  } catch (e) {
    await topo.teardown();
    throw e;
  }
  const client = topo.sites[0]?.client ?? '';
  return {
    topo,
    coturn,
    client,
    stop: async () => {
      await coturn.stop();
      await topo.teardown();
    },
  };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p .)`);
});

const CASES = [
  { scenario: 'full-cone', mapping: 'endpoint-independent', filtering: 'endpoint-independent', label: 'full cone', code: 'OK' },
  { scenario: 'restricted-cone', mapping: 'endpoint-independent', filtering: 'address-dependent', label: 'restricted cone', code: 'OK' },
  { scenario: 'port-restricted-cone', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', label: 'port-restricted cone', code: 'OK' },
  { scenario: 'cone-nat', mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', label: 'port-restricted cone', code: 'OK' },
  { scenario: 'symmetric-nat', mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', label: 'symmetric', code: 'NAT_ADDRESS_AND_PORT_DEPENDENT_MAPPING' },
] as const;

describe.each(CASES)('$scenario', (c) => {
  let net: Net;
  const tool: { filtering: string | null; mapping: string | null } = { filtering: null, mapping: null };
  let check: Check;
  beforeAll(async () => {
    net = await network(c.scenario);
    const [s1] = net.topo.serverIps;
    tool.filtering = await natdiscovery(net.client, '-f', s1);
    check = await natProbe(net.client, `stun:${s1}:${PORT}`);
    tool.mapping = await natdiscovery(net.client, '-m', s1);
  }, 120_000);
  afterAll(async () => {
    await net?.stop();
  });

  test(`classified ${c.label}: mapping ${c.mapping}, filtering ${c.filtering}`, () => {
    expect(check).toMatchObject({ id: `nat:stun:${net.topo.serverIps[0]}:${PORT}`, kind: 'nat', code: c.code });
    expect(check.details).toMatchObject({ mapping: c.mapping, filtering: c.filtering, classicLabel: c.label, natPresent: true, hairpinning: false });
    // The mapped address is the router's public address.
    expect(String((check.details.evidence as { mappedAddress: string }).mappedAddress)).toMatch(/^198\.18\.0\.10:/);
  });

  test('agrees with turnutils_natdiscovery', () => {
    expect(tool.filtering).toBe(c.filtering);
    expect(tool.mapping).toBe(c.mapping);
  });
});

describe('lossy link (5 % random drop each way)', () => {
  let net: Net;
  beforeAll(async () => {
    net = await network('lossy');
  }, 60_000);
  afterAll(async () => {
    await net?.stop();
  });
  test('the verdict does not change over repeated runs', async () => {
    const verdicts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await natProbe(net.client, `stun:${net.topo.serverIps[0]}:${PORT}`);
      verdicts.push(`${c.code} ${String(c.details.mapping)} ${String(c.details.filtering)}`);
    }
    expect(new Set(verdicts)).toEqual(new Set(['OK endpoint-independent address-and-port-dependent']));
  }, 180_000);
});

describe('server without RFC 5780 (one listening IP)', () => {
  let net: Net;
  let single: Coturn;
  beforeAll(async () => {
    net = await network('cone-nat');
    single = await startCoturn({ netns: net.topo.internet, listeningIps: [net.topo.serverIps[0]], port: PORT + 10, tls: null, allowLoopbackPeers: false });
  }, 60_000);
  afterAll(async () => {
    await single?.stop();
    await net?.stop();
  });
  test('NAT_UNSUPPORTED_SERVER, mapping and filtering unknown, not a guess', async () => {
    const c = await natProbe(net.client, `stun:${net.topo.serverIps[0]}:${PORT + 10}`);
    expect(c).toMatchObject({ code: 'NAT_UNSUPPORTED_SERVER', status: 'skip' });
    expect(c.details).toMatchObject({ mapping: 'unknown', filtering: 'unknown' });
  });
});
