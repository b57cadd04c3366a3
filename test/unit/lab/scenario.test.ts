import { describe, expect, it } from 'vitest';
import { FindingCode } from '../../../src/diagnosis/codes.js';
import { ConfigError, UsageError } from '../../../src/core/errors.js';
import { LOSS_PROBES_MAX } from '../../../src/config/config.js';
import { lossProbesNeeded } from '../../../src/services/lab/expect.js';
import { effectiveDurationS, lossProbesArgs } from '../../../src/services/lab/run.js';
import { PATH_QUALITY_DEFAULTS } from '../../../src/probes-node/path-quality.js';
import { isLabCidr, listScenarios, loadScenario, parseScenario, relayNeededBetween, type Site } from '../../../src/services/lab/scenario.js';

const SHIPPED = ['open', 'cone-nat', 'symmetric-nat', 'udp-blocked', 'tcp-443-only', 'turn-down', 'wrong-credentials', 'rate-limited', 'lossy'];
// Every code a scenario names is a finding code of the diagnosis engine (a typo would make an 'absent' expectation pass vacuously).
const KNOWN_CODES = new Set<string>(Object.values(FindingCode));

describe('shipped scenarios', () => {
  it('all parse, and each name matches its file', () => {
    const list = listScenarios();
    // Users (and other suites) may add scenario files; the shipped ones are always there.
    expect(list.map((s) => s.name)).toEqual(expect.arrayContaining(SHIPPED));
    for (const s of list) expect(s.file.endsWith(`/${s.name}.json`)).toBe(true);
  });

  it('only use the agreed finding codes, never one both present and absent', () => {
    for (const name of SHIPPED) {
      const s = loadScenario(name);
      for (const c of [...s.expect.findings.present, ...s.expect.findings.absent]) expect(KNOWN_CODES, `${name}: ${c}`).toContain(c);
      expect(s.expect.findings.present.filter((c) => s.expect.findings.absent.includes(c))).toEqual([]);
    }
  });

  it('symmetric-nat uses address-and-port-dependent mapping and expects a relay between its sites', () => {
    const s = loadScenario('symmetric-nat');
    expect(s.nat.mapping).toBe('address-and-port-dependent');
    expect(s.expect.groundTruth.relayNeeded).toBe(relayNeededBetween(s.nat, s.secondSite!.nat));
    const c = loadScenario('cone-nat');
    expect(c.expect.groundTruth.relayNeeded).toBe(relayNeededBetween(c.nat, c.secondSite!.nat));
  });

  it('tcp-443-only puts TURN/TLS on 443 and allows only tcp/443', () => {
    const s = loadScenario('tcp-443-only');
    expect(s.turn.tlsPort).toBe(443);
    expect(s.firewall[0]).toMatchObject({ action: 'allow', protocol: 'tcp', ports: [443] });
    expect(s.firewall.at(-1)).toMatchObject({ action: 'drop', protocol: 'all', to: 'any' });
  });
});

describe('parseScenario', () => {
  const base = { name: 'mine', description: 'x' };

  it('fills defaults: cone NAT, no firewall, coturn up on 3478/5349', () => {
    const s = parseScenario(base);
    expect(s.nat).toEqual({ mapping: 'endpoint-independent' });
    expect(s.firewall).toEqual([]);
    expect(s.turn).toEqual({ down: false, wrongCredentials: false, port: 3478, tlsPort: 5349, tls: true, relayPortsBlocked: false });
  });

  it('reports every problem with its path', () => {
    try {
      parseScenario({ ...base, nat: { mapping: 'full-cone' }, firewall: [{ action: 'drop', to: '192.0.2.1' }], loss: { percent: 200 }, bogus: 1 }, 'f.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const p = (e as ConfigError).problems.join('\n');
      expect(p).toMatch(/f\.json: nat\.mapping/);
      expect(p).toMatch(/firewall\[0\]\.to/);
      expect(p).toMatch(/loss\.percent/);
      expect(p).toMatch(/bogus/);
    }
  });

  it('refuses ports without a protocol, and ground truth without what it measures', () => {
    expect(() => parseScenario({ ...base, firewall: [{ action: 'allow', ports: [443] }] })).toThrow(ConfigError);
    expect(() => parseScenario({ ...base, expect: { groundTruth: { throughputWithinPercent: 15 } } })).toThrow(/rateLimit/);
    expect(() => parseScenario({ ...base, expect: { groundTruth: { relayNeeded: true } } })).toThrow(/secondSite/);
    expect(() => parseScenario({ ...base, loss: { percent: 5, protocol: 'tcp' }, expect: { groundTruth: { lossNearPercent: 2 } } })).toThrow(/loss\.protocol/);
  });

  it('refuses a relayNeeded the NAT types contradict', () => {
    const sym = { mapping: 'address-and-port-dependent' } as const;
    expect(() => parseScenario({ ...base, nat: sym, secondSite: { nat: sym }, expect: { groundTruth: { relayNeeded: false } } })).toThrow(/NAT types say true/);
    expect(() => parseScenario({ ...base, secondSite: {}, expect: { groundTruth: { relayNeeded: true } } })).toThrow(/NAT types say false/);
    expect(parseScenario({ ...base, nat: sym, secondSite: { nat: sym }, expect: { groundTruth: { relayNeeded: true } } }).expect.groundTruth.relayNeeded).toBe(true);
  });

  it('check.minDurationS raises the call duration, never lowers it', () => {
    const s = parseScenario({ ...base, check: { minDurationS: 3 } });
    expect(effectiveDurationS(s, 1)).toBe(3);
    expect(effectiveDurationS(s, 5)).toBe(5);
    expect(effectiveDurationS(s, undefined)).toBe(3);
    expect(effectiveDurationS(parseScenario(base), 1)).toBe(1);
    expect(() => parseScenario({ ...base, check: { minDurationS: 60 } })).toThrow(/check\.minDurationS/);
  });

  it('a loss scenario asks for enough path-quality probes for its tolerance', () => {
    const lossy = parseScenario({ ...base, loss: { percent: 5, protocol: 'all', direction: 'both' }, expect: { groundTruth: { lossNearPercent: 2 } } });
    // 5 % each way: round trip 9.75 %; one-way SE of the pooled 2 × n requests ≤ 0.5 point.
    expect(lossProbesNeeded(lossy)).toBe(488);
    expect(lossProbesArgs(lossy)).toEqual(['--loss-probes', '488']);
    // A wider tolerance needs fewer, but never fewer than the default burst.
    const loose = parseScenario({ ...base, loss: { percent: 5, protocol: 'all', direction: 'both' }, expect: { groundTruth: { lossNearPercent: 10 } } });
    expect(lossProbesNeeded(loose)).toBeLessThan(PATH_QUALITY_DEFAULTS.count);
    expect(lossProbesArgs(loose)).toEqual(['--loss-probes', String(PATH_QUALITY_DEFAULTS.count)]);
    // A tight one is capped at what --loss-probes accepts.
    const tight = parseScenario({ ...base, loss: { percent: 5, protocol: 'udp', direction: 'up' }, expect: { groundTruth: { lossNearPercent: 0.1 } } });
    expect(lossProbesArgs(tight)).toEqual(['--loss-probes', String(LOSS_PROBES_MAX)]);
    expect(lossProbesArgs(parseScenario(base))).toEqual([]);
  });

  it('IPv6 rules and IPv6 ground truth need a dual-stack scenario; IPv6 rules name no IPv4 CIDR', () => {
    const v6drop = { action: 'drop', to: 'server', family: 'ipv6' };
    expect(() => parseScenario({ ...base, firewall: [v6drop] })).toThrow(/ipv6: firewall rules for IPv6 need "ipv6": true/);
    expect(() => parseScenario({ ...base, expect: { groundTruth: { ipv6HostCandidate: true } } })).toThrow(/groundTruth\.ipv6HostCandidate: needs "ipv6": true/);
    expect(() => parseScenario({ ...base, ipv6: true, firewall: [{ action: 'drop', to: '198.18.0.1', family: 'ipv6' }] })).toThrow(/firewall\[0\]\.to/);
    const s = parseScenario({ ...base, ipv6: true, firewall: [v6drop, { action: 'drop', protocol: 'udp' }] });
    expect(s.firewall.map((r) => r.family)).toEqual(['ipv6', 'ipv4']);
    expect(parseScenario(base).ipv6).toBe(false);
  });

  it('refuses non-default filtering without a port-preserving mapping', () => {
    expect(() => parseScenario({ ...base, nat: { mapping: 'address-and-port-dependent', filtering: 'endpoint-independent' } })).toThrow(/nat\.filtering/);
    expect(parseScenario({ ...base, nat: { mapping: 'endpoint-independent', filtering: 'address-dependent' } }).nat.filtering).toBe('address-dependent');
  });

  it('unknown names are a usage error naming the known ones', () => {
    expect(() => loadScenario('no-such')).toThrow(UsageError);
    expect(() => loadScenario('no-such')).toThrow(/symmetric-nat/);
  });
});

describe('isLabCidr', () => {
  it('accepts only 198.18.0.0/15', () => {
    expect(isLabCidr('198.18.0.1')).toBe(true);
    expect(isLabCidr('198.19.255.0/24')).toBe(true);
    expect(isLabCidr('198.18.0.0/15')).toBe(true);
    expect(isLabCidr('198.20.0.1')).toBe(false);
    expect(isLabCidr('198.16.0.0/12')).toBe(false);
    expect(isLabCidr('198.18.0.300')).toBe(false);
    expect(isLabCidr('server')).toBe(false);
  });
});

describe('relayNeededBetween (RFC 4787 / classic NAT table)', () => {
  const n = (mapping: Site['nat']['mapping'], filtering?: Site['nat']['filtering']): Site['nat'] => (filtering ? { mapping, filtering } : { mapping });
  it.each([
    [n('none'), n('address-and-port-dependent'), false],
    [n('endpoint-independent'), n('endpoint-independent'), false],
    [n('endpoint-independent'), n('address-and-port-dependent'), true],
    [n('address-and-port-dependent'), n('endpoint-independent'), true],
    [n('address-and-port-dependent'), n('address-and-port-dependent'), true],
    [n('address-and-port-dependent'), n('endpoint-independent', 'address-dependent'), false],
    [n('address-and-port-dependent'), n('endpoint-independent', 'endpoint-independent'), false],
  ])('%j ↔ %j → %s', (a, b, want) => {
    expect(relayNeededBetween(a, b)).toBe(want);
    expect(relayNeededBetween(b, a)).toBe(want);
  });
});
