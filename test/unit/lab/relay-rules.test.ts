/** The lab's TURN-server-side misconfigurations as text: the firewall on the relay range, a wrong external-ip. */
import { describe, expect, it } from 'vitest';
import { coturnRelayArgs, RELAY_PORT_RANGE, serverRules } from '../../../src/services/lab/rules.js';
import { evaluateExpectations, relayReachOutcome } from '../../../src/services/lab/expect.js';
import { loadScenario, parseScenario } from '../../../src/services/lab/scenario.js';
import type { Check, Report } from '../../../src/core/schema.js';

describe('serverRules / coturnRelayArgs', () => {
  it('no rules unless the relay range is blocked; then inbound UDP from the bridge to min-port..max-port is dropped, nothing else', () => {
    expect(serverRules({ relayPortsBlocked: false })).toBeNull();
    const text = serverRules({ relayPortsBlocked: true }) ?? '';
    const rules = text.split('\n').filter((l) => l.startsWith('-A'));
    expect(rules).toEqual([`-A INPUT -i br0 -p udp --dport ${RELAY_PORT_RANGE.min}:${RELAY_PORT_RANGE.max} -j DROP`]);
    expect(text).toMatch(/^\*filter\n/);
    expect(text).toMatch(/COMMIT\n$/);
  });
  it('coturn gets the explicit range, and external-ip=<advertised>/<relay ip> when the scenario sets one', () => {
    expect(coturnRelayArgs({}, '198.18.0.1')).toEqual(['--min-port=49152', '--max-port=65535']);
    expect(coturnRelayArgs({ externalIp: '198.18.0.99' }, '198.18.0.1')).toContain('--external-ip=198.18.0.99/198.18.0.1');
  });
});

describe('scenario options', () => {
  const base = { name: 'x', description: 'x', nat: { mapping: 'none' } };
  it('externalIp must be a lab address no namespace holds', () => {
    expect(parseScenario({ ...base, turn: { externalIp: '198.18.0.99' } }).turn.externalIp).toBe('198.18.0.99');
    expect(() => parseScenario({ ...base, turn: { externalIp: '198.18.0.1' } })).toThrow(/no lab namespace/);
    expect(() => parseScenario({ ...base, turn: { externalIp: '192.0.2.1' } })).toThrow(/198\.18/);
  });
  it('the shipped scenarios parse', () => {
    expect(loadScenario('relay-ports-blocked').turn.relayPortsBlocked).toBe(true);
    expect(loadScenario('wrong-external-ip').turn.externalIp).toBe('198.18.0.99');
  });
});

const reach = (code: string, details: Record<string, unknown>): Check => ({ id: `relay-reach:${code}:${Math.random()}`, kind: 'relay-reach', target: 't', transport: 'udp', status: 'fail', code, durationMs: 1, details });
const report = (checks: Check[]): Report => ({ checks, findings: [], candidates: [], scenario: 'relay-ports-blocked' }) as unknown as Report;

describe('relayReach ground truth', () => {
  it('counts classified and tested relay-reach checks', () => {
    const r = report([
      reach('RELAY_UNREACHABLE', { relayedAddressIsServer: true, inbound: { sent: 3, received: 0 } }),
      reach('OK', { relayedAddressIsServer: true, inbound: { sent: 3, received: 3 } }),
      reach('RELAY_ADDRESS_NOT_SERVER', { relayedAddressIsServer: false }),
      reach('RELAY_NOT_TESTED', {}),
    ]);
    expect(relayReachOutcome(r)).toMatchObject({ classified: 3, isServer: 2, tested: 2, reachable: 1 });
  });
  it('relayReachable false passes only when every tested relay got nothing, and agrees with the lab', () => {
    const s = loadScenario('relay-ports-blocked');
    const blocked = report([reach('RELAY_UNREACHABLE', { relayedAddressIsServer: true, inbound: { sent: 3, received: 0 } })]);
    const res = evaluateExpectations(s, blocked, { routerPublicIp: '198.18.0.10', measured: { relayRangeReachable: false } });
    expect(res.filter((x) => x.id.startsWith('groundTruth.relay')).map((x) => [x.id, x.source, x.pass])).toEqual([
      ['groundTruth.relayReachable', 'report', true],
      ['groundTruth.relayAddressIsServer', 'report', true],
      ['groundTruth.relayReachable', 'lab', true],
      ['groundTruth.relayAddressIsServer', 'lab', true],
    ]);
    const open = report([reach('OK', { relayedAddressIsServer: true, inbound: { sent: 3, received: 3 } })]);
    const bad = evaluateExpectations(s, open, { routerPublicIp: '198.18.0.10', measured: { relayRangeReachable: true } });
    expect(bad.filter((x) => x.id === 'groundTruth.relayReachable').map((x) => x.pass)).toEqual([false, false]);
  });
});
