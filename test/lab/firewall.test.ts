/**
 * Ground truth for the firewall and server scenarios, measured with the lab's own STUN tool
 * (UDP and TCP Bindings) from the client namespace: what is blocked really is blocked, and
 * what must work does.
 */
import { expect, it } from 'vitest';
import { stunBindingTcp, stunBindingsUdp } from '../../src/services/lab/measure.js';
import { runInNamespace } from '../../src/services/lab/netns.js';
import { expectHostLeftAsFound, withLab, type Lab } from './helpers.js';

expectHostLeftAsFound();

const s1 = (lab: Lab, port = lab.scenario.turn.port) => `${lab.topo.serverIps[0]}:${port}`;

withLab('udp-blocked', (get) => {
  it('UDP Binding to the server times out', async () => {
    const lab = get();
    const r = await stunBindingsUdp(lab.topo.sites[0]!.client, [s1(lab)], 1_500);
    expect(r.results[0]?.mapped).toBeNull();
  });
  it('TCP Binding works and shows the router public address', async () => {
    const lab = get();
    const r = await stunBindingTcp(lab.topo.sites[0]!.client, s1(lab));
    expect(r.error).toBeNull();
    expect(r.mapped?.address).toBe(lab.topo.sites[0]!.publicIp);
  });
  it('TURN over TCP allocates a relay (turnutils_uclient)', async () => {
    const lab = get();
    const r = await runInNamespace(
      lab.topo.sites[0]!.client,
      'turnutils_uclient',
      ['-t', '-y', '-n', '1', '-m', '1', '-l', '100', '-u', 'lab', '-w', lab.password, '-p', String(lab.scenario.turn.port), lab.topo.serverIps[0]],
      { timeoutMs: 15_000, allowFailure: true },
    );
    expect(r.stdout + r.stderr).toMatch(/Total lost packets 0 \(0\.0+%\)/);
  });
});

withLab('tcp-443-only', (get) => {
  it('UDP and TCP to 3478 are blocked', async () => {
    const lab = get();
    const ns = lab.topo.sites[0]!.client;
    const [u, t] = await Promise.all([stunBindingsUdp(ns, [s1(lab)], 1_500), stunBindingTcp(ns, s1(lab), 1_500)]);
    expect(u.results[0]?.mapped).toBeNull();
    expect(t.error).toBe('timeout');
  });
  it('TCP to 443 (the TURN server’s TLS port) gets through', async () => {
    const lab = get();
    expect(lab.scenario.turn.tlsPort).toBe(443);
    // coturn also serves plain STUN on its TLS port: a Binding there proves the path.
    const r = await stunBindingTcp(lab.topo.sites[0]!.client, s1(lab, 443));
    expect(r.error).toBeNull();
    expect(r.mapped?.address).toBe(lab.topo.sites[0]!.publicIp);
  });
});

withLab('turn-down', (get) => {
  it('nothing answers: UDP times out, TCP is refused', async () => {
    const lab = get();
    expect(lab.coturn).toBeNull();
    const ns = lab.topo.sites[0]!.client;
    const [u, t] = await Promise.all([stunBindingsUdp(ns, [s1(lab)], 1_500), stunBindingTcp(ns, s1(lab), 1_500)]);
    expect(u.results[0]?.mapped).toBeNull();
    expect(t.error).toBe('ECONNREFUSED');
  });
});

withLab('wrong-credentials', (get) => {
  it('the network path works: a UDP Binding answers', async () => {
    const lab = get();
    const r = await stunBindingsUdp(lab.topo.sites[0]!.client, [s1(lab)]);
    expect(r.results[0]?.mapped?.address).toBe(lab.topo.sites[0]!.publicIp);
  });
  it('a wrong password is refused while the right one allocates (turnutils_uclient)', async () => {
    const lab = get();
    const ns = lab.topo.sites[0]!.client;
    const args = (pw: string) => ['-y', '-n', '1', '-m', '1', '-l', '100', '-u', 'lab', '-w', pw, lab.topo.serverIps[0]];
    const [bad, good] = await Promise.all([
      runInNamespace(ns, 'turnutils_uclient', args('not-the-password'), { timeoutMs: 15_000, allowFailure: true }),
      runInNamespace(ns, 'turnutils_uclient', args(lab.password), { timeoutMs: 15_000, allowFailure: true }),
    ]);
    expect(bad.stdout + bad.stderr).toMatch(/Cannot complete Allocation/);
    expect(good.stdout + good.stderr).not.toMatch(/Cannot complete Allocation/);
    expect(good.stdout + good.stderr).toMatch(/Total lost packets 0 \(0\.0+%\)/);
  });
});
