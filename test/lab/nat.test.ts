/**
 * Ground truth for the NAT scenarios, measured with the lab's own STUN tool and coturn's
 * turnutils_stunclient (not iceprobe): mapping behaviour per destination, the mapped address,
 * and whether two sites can reach each other without a relay.
 */
import { expect, it } from 'vitest';
import { runInNamespace } from '../../src/services/lab/netns.js';
import { punchBetween, stunBindingsUdp } from '../../src/services/lab/measure.js';
import { relayNeededBetween } from '../../src/services/lab/scenario.js';
import { expectHostLeftAsFound, withLab, type Lab } from './helpers.js';

expectHostLeftAsFound();

const targets = (lab: Lab) => lab.topo.serverIps.map((ip) => `${ip}:${lab.scenario.turn.port}`);

withLab('open', (get) => {
  it('maps the client to its own (public) address', async () => {
    const lab = get();
    const site = lab.topo.sites[0]!;
    const r = await stunBindingsUdp(site.client, targets(lab));
    for (const x of r.results) expect(x.mapped).toEqual({ address: site.clientIp, port: r.localPort });
  });
});

withLab('cone-nat', (get) => {
  it('gives one mapping for both server addresses, on the router public address', async () => {
    const lab = get();
    const site = lab.topo.sites[0]!;
    const r = await stunBindingsUdp(site.client, targets(lab));
    const [a, b] = r.results.map((x) => x.mapped);
    expect(a?.address).toBe(site.publicIp);
    expect(b).toEqual(a);
  });

  it('agrees with turnutils_stunclient on the mapped address', async () => {
    const lab = get();
    const site = lab.topo.sites[0]!;
    // After its first answer the tool goes on with RFC 5780 CHANGE-REQUESTs, whose answers the
    // NAT's filtering drops; it then retries for a long time, so it is cut off after 3 s.
    const r = await runInNamespace(site.client, 'timeout', ['3', 'turnutils_stunclient', '-p', String(lab.scenario.turn.port), lab.topo.serverIps[0]], {
      timeoutMs: 6_000,
      allowFailure: true,
    });
    expect(r.stdout + r.stderr).toMatch(new RegExp(`UDP reflexive addr: ${site.publicIp.replace(/\./g, '\\.')}:\\d+`));
  });

  it('lets the two sites reach each other directly (no relay needed)', async () => {
    const lab = get();
    expect(relayNeededBetween(lab.scenario.nat, lab.scenario.secondSite!.nat)).toBe(false);
    const r = await punchBetween(lab.topo.sites[0]!.client, lab.topo.sites[1]!.client, targets(lab)[0]!);
    expect(r.direct).toBe(true);
  });
});

withLab('symmetric-nat', (get) => {
  it('gives a different public port per server address, on the router public address', async () => {
    const lab = get();
    const site = lab.topo.sites[0]!;
    const r = await stunBindingsUdp(site.client, targets(lab));
    const [a, b] = r.results.map((x) => x.mapped);
    expect(a?.address).toBe(site.publicIp);
    expect(b?.address).toBe(site.publicIp);
    expect(a?.port).not.toBe(b?.port);
  });

  it('needs a relay between the two sites: hole punching fails', async () => {
    const lab = get();
    expect(relayNeededBetween(lab.scenario.nat, lab.scenario.secondSite!.nat)).toBe(true);
    const r = await punchBetween(lab.topo.sites[0]!.client, lab.topo.sites[1]!.client, targets(lab)[0]!);
    expect(r.aReceived).toBe(false);
    expect(r.bReceived).toBe(false);
  });
});
