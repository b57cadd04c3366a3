import { describe, expect, it } from 'vitest';
import { ADDRESS_PLAN, burstBytes, LAB_SERVER_NAME, labClientEtc, probability, routerRules, routerRules6, tcCommands } from '../../../src/services/lab/rules.js';
import { isLabCidr, parseScenario } from '../../../src/services/lab/scenario.js';

const ctx = { plan: ADDRESS_PLAN.sites[0], serverIps: ADDRESS_PLAN.servers };
const site = (extra: object) => parseScenario({ name: 't', description: 't', ...extra });

describe('address plan', () => {
  it('uses only 198.18.0.0/15', () => {
    const all = [ADDRESS_PLAN.internetCidr, ...ADDRESS_PLAN.servers, ...ADDRESS_PLAN.sites.flatMap((s) => [s.wan, s.lanCidr, s.routerLan, s.client])];
    for (const a of all) expect(isLabCidr(a), a).toBe(true);
  });

  it('IPv6 uses only 2001:db8::/32 (RFC 3849)', () => {
    const v6 = ADDRESS_PLAN.v6;
    const all = [...v6.servers, ...v6.sites.flatMap((s) => [s.wan, s.lanCidr, s.routerLan, s.client])];
    for (const a of all) expect(a, a).toMatch(/^2001:db8:/);
  });

  it('a client namespace resolves the server name to its A and AAAA, nothing else', () => {
    const etc = labClientEtc();
    expect(etc.hosts).toContain(`${ADDRESS_PLAN.servers[0]} ${LAB_SERVER_NAME}`);
    expect(etc.hosts).toContain(`${ADDRESS_PLAN.v6.servers[0]} ${LAB_SERVER_NAME}`);
    expect(etc['nsswitch.conf']).toBe('hosts: files dns\n');
    // The name server is a lab address: no query ever leaves the lab.
    const ns = /^nameserver (\S+)$/m.exec(etc['resolv.conf'])?.[1] ?? '';
    expect(isLabCidr(ns)).toBe(true);
  });
});

describe('routerRules6', () => {
  it('routed, stateful: out allowed, only replies in, ICMPv6 always (neighbour discovery)', () => {
    const r = routerRules6(site({ ipv6: true }), ADDRESS_PLAN.v6.servers);
    expect(r).toMatch(/^:FORWARD DROP/m);
    expect(r).toMatch(/^-A INPUT -p ipv6-icmp -j ACCEPT$/m);
    expect(r).toMatch(/^-A FORWARD -p ipv6-icmp -j ACCEPT$/m);
    expect(r).toMatch(/^-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT$/m);
    expect(r).not.toMatch(/-i wan -o lan -j ACCEPT/);
    expect(r).not.toMatch(/\*nat|MASQUERADE/);
  });

  it('each family gets only its own firewall rules, with its own server addresses', () => {
    const s = site({
      ipv6: true,
      firewall: [
        { action: 'drop', protocol: 'all', to: 'server', family: 'ipv6' },
        { action: 'reject', protocol: 'tcp', to: 'server' },
        { action: 'drop', protocol: 'udp', family: 'both' },
      ],
    });
    const egress = (text: string) => text.split('\n').filter((l) => l.startsWith('-A IPB_EGRESS'));
    expect(egress(routerRules6(s, ADDRESS_PLAN.v6.servers))).toEqual(['-A IPB_EGRESS -d 2001:db8::1,2001:db8::2 -j DROP', '-A IPB_EGRESS -p udp -j DROP', '-A IPB_EGRESS -j ACCEPT']);
    expect(egress(routerRules(s, ctx))).toEqual(['-A IPB_EGRESS -p tcp -d 198.18.0.1,198.18.0.2 -j REJECT --reject-with tcp-reset', '-A IPB_EGRESS -p udp -j DROP', '-A IPB_EGRESS -j ACCEPT']);
  });
});

describe('routerRules', () => {
  it('cone: MASQUERADE keeping ports; symmetric: --random-fully', () => {
    expect(routerRules(site({ nat: { mapping: 'endpoint-independent' } }), ctx)).toMatch(/^-A POSTROUTING -o wan -s 198\.19\.1\.0\/24 -j MASQUERADE$/m);
    expect(routerRules(site({ nat: { mapping: 'address-and-port-dependent' } }), ctx)).toMatch(/-j MASQUERADE --random-fully$/m);
  });

  it('no NAT: no MASQUERADE, inbound forwarded', () => {
    const r = routerRules(site({ nat: { mapping: 'none' } }), ctx);
    expect(r).not.toMatch(/MASQUERADE/);
    expect(r).toMatch(/^-A FORWARD -i wan -o lan -j ACCEPT$/m);
  });

  it('default is drop for forwarded traffic; replies pass; the router drops unsolicited input', () => {
    const r = routerRules(site({}), ctx);
    expect(r).toMatch(/^:FORWARD DROP/m);
    expect(r).toMatch(/^-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT$/m);
    expect(r).toMatch(/^-A INPUT -i wan -j DROP$/m);
    expect(r).not.toMatch(/-i wan -o lan -j ACCEPT/);
  });

  it('firewall rules in order, before the default allow', () => {
    const r = routerRules(site({ firewall: [{ action: 'allow', protocol: 'tcp', ports: [443] }, { action: 'reject', protocol: 'tcp', to: 'server' }, { action: 'drop' }] }), ctx);
    const lines = r.split('\n').filter((l) => l.startsWith('-A IPB_EGRESS'));
    expect(lines).toEqual([
      '-A IPB_EGRESS -p tcp -m multiport --dports 443 -j ACCEPT',
      '-A IPB_EGRESS -p tcp -d 198.18.0.1,198.18.0.2 -j REJECT --reject-with tcp-reset',
      '-A IPB_EGRESS -j DROP',
      '-A IPB_EGRESS -j ACCEPT',
    ]);
  });

  it('loss comes before the reply rule, per direction', () => {
    const r = routerRules(site({ loss: { percent: 5, direction: 'up', protocol: 'udp' } }), ctx).split('\n');
    const loss = r.findIndex((l) => l.includes('statistic'));
    expect(r[loss]).toBe('-A FORWARD -i lan -o wan -p udp -m statistic --mode random --probability 0.05 -j DROP');
    expect(loss).toBeLessThan(r.findIndex((l) => l.includes('ESTABLISHED') && l.startsWith('-A FORWARD')));
    expect(r.filter((l) => l.includes('statistic'))).toHaveLength(1);
  });

  it('endpoint-independent and address-dependent filtering open inbound UDP to the client', () => {
    const eif = routerRules(site({ nat: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' } }), ctx);
    expect(eif).toMatch(/^-A PREROUTING -i wan -p udp -j DNAT --to-destination 198\.19\.1\.10$/m);
    const adf = routerRules(site({ nat: { mapping: 'endpoint-independent', filtering: 'address-dependent' } }), ctx);
    expect(adf).toMatch(/-m recent --name ipb_sent --rdest --set/);
    expect(adf).toMatch(/-m recent --name ipb_sent --rsource --rcheck -j DNAT/);
  });

  it('probability keeps small percentages', () => {
    expect(probability(5)).toBe('0.05');
    expect(probability(0.5)).toBe('0.005');
    expect(probability(33.3333)).toBe('0.333333');
  });
});

describe('tcCommands', () => {
  it('tbf on both router sides, burst at least 16 KiB or 10 ms of rate', () => {
    expect(tcCommands(site({}))).toEqual([]);
    const cmds = tcCommands(site({ rateLimit: { bitsPerSecond: 4_000_000 } }));
    expect(cmds.map((c) => c[3])).toEqual(['wan', 'lan']);
    expect(cmds[0]).toEqual(['qdisc', 'replace', 'dev', 'wan', 'root', 'tbf', 'rate', '4000000bit', 'burst', '16384', 'latency', '100ms']);
    expect(burstBytes(100_000_000)).toBe(125_000);
    expect(tcCommands(site({ rateLimit: { bitsPerSecond: 1_000_000, direction: 'down', burstBytes: 3000 } }))).toEqual([
      ['qdisc', 'replace', 'dev', 'lan', 'root', 'tbf', 'rate', '1000000bit', 'burst', '3000', 'latency', '100ms'],
    ]);
  });
});
