/**
 * The relay reachability flow against a scripted TURN server and a scripted outside network:
 * every code from what did (or did not) arrive, and the send guard: nothing is ever sent to a
 * relayed address the URL does not name.
 */
import { describe, expect, it } from 'vitest';
import { longTermKey } from '../../../src/core/credentials.js';
import { ProtocolCode, statusOf } from '../../../src/core/codes.js';
import type { ChannelEvent } from '../../../src/net/channel.js';
import { FakeClock } from '../../../src/net/clock.js';
import type { DatagramSocket, Endpoint } from '../../../src/net/datagram.js';
import type { TransactionResult } from '../../../src/net/transaction.js';
import { SPECIAL_RANGES } from '../../../src/probes-node/relay-address.js';
import { relayReachFlow } from '../../../src/probes-node/relay-reach.js';
import { AttributeType, Method, addressAttribute, decodeMessage, encodeMessage, errorCode, getAttribute, lifetime, nonce, readAddress, readText, realm, valueOf, verifyIntegrity, type StunMessage } from '../../../src/stun/index.js';

const USER = 'alice';
const PASS = 'secret-pass';
const REALM = 'realm.test';
const KEY = longTermKey(USER, REALM, PASS);
const SERVER = '198.18.0.1';
const CLIENT_PUBLIC = '198.18.0.10';

interface World {
  relayed: Endpoint;
  /** Datagrams to the relayed address reach the server (its firewall lets them in). */
  inboundOpen: boolean;
  /** Send indications leave the relay and reach the peer. */
  outboundOpen: boolean;
  /** CreatePermission answers: 'ok', a STUN error code, or 'stale-once' (438 then ok). */
  permission: 'ok' | number | 'stale-once';
  /** Allocate answers: 'ok' or 'auth-fails'. */
  allocate: 'ok' | 'auth-fails';
  /** The server's UDP STUN port answers the peer socket (null: no control given). */
  udpControl: boolean | null;
}
const CONTROL = { address: SERVER, port: 3478 };

function fakeTurn(partial: Partial<World> = {}) {
  const w: World = { relayed: { address: SERVER, port: 50_000 }, inboundOpen: true, outboundOpen: true, permission: 'ok', allocate: 'ok', udpControl: null, ...partial };
  const clock = new FakeClock();
  const seen: StunMessage[] = [];
  const peerSends: Endpoint[] = [];
  const channelListeners = new Set<(e: ChannelEvent) => void>();
  const peerListeners = new Set<(d: Buffer, from: Endpoint) => void>();
  const permitted = new Set<string>();
  let staleSent = false;
  const peerLocal: Endpoint = { address: CLIENT_PUBLIC, port: 41_000 };

  const answer = (m: StunMessage): Buffer => {
    const err = (code: number, extra = [realm(REALM), nonce('n2')]) => encodeMessage({ method: m.method, cls: 'error', transactionId: m.transactionId, attributes: [errorCode({ code, reason: `r${code}` }), ...extra] }, { fingerprint: true });
    const authed = verifyIntegrity(m, KEY) === 'valid' && valueOf(readText(m, AttributeType.USERNAME)) === USER;
    if (m.method === Method.Allocate) {
      if (!authed || w.allocate === 'auth-fails') return err(401, [realm(REALM), nonce('n1')]);
      return encodeMessage(
        {
          method: Method.Allocate,
          cls: 'success',
          transactionId: m.transactionId,
          attributes: [
            addressAttribute(AttributeType.XOR_RELAYED_ADDRESS, { family: w.relayed.address.includes(':') ? 6 : 4, address: w.relayed.address, port: w.relayed.port }, m.transactionId),
            addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { family: 4, address: CLIENT_PUBLIC, port: 40_000 }, m.transactionId),
            lifetime(600),
          ],
        },
        { integrityKey: KEY, fingerprint: true },
      );
    }
    if (!authed) return err(401);
    if (m.method === Method.CreatePermission) {
      if (w.permission === 'stale-once' && !staleSent) {
        staleSent = true;
        return err(438);
      }
      if (typeof w.permission === 'number') return err(w.permission);
      const peer = valueOf(readAddress(m, AttributeType.XOR_PEER_ADDRESS));
      if (peer) permitted.add(peer.address);
      return encodeMessage({ method: m.method, cls: 'success', transactionId: m.transactionId }, { integrityKey: KEY, fingerprint: true });
    }
    if (m.method === Method.Refresh) return encodeMessage({ method: m.method, cls: 'success', transactionId: m.transactionId, attributes: [lifetime(0)] }, { integrityKey: KEY, fingerprint: true });
    throw new Error(`unexpected method ${m.method}`);
  };

  const transact = async (raw: Buffer): Promise<TransactionResult> => {
    const d = decodeMessage(raw);
    if (!d.ok) throw new Error('undecodable request');
    seen.push(d.message);
    const r = decodeMessage(answer(d.message));
    if (!r.ok) throw new Error('bad fake answer');
    return { ok: true, response: r.message, rttMs: 2, sends: 1, evidence: { sendTimesMs: [0] } };
  };

  const channel = {
    // Send indications from the client over the allocation's channel.
    send(data: Buffer) {
      const d = decodeMessage(data);
      if (!d.ok || d.message.method !== Method.Send || d.message.cls !== 'indication') return;
      const to = valueOf(readAddress(d.message, AttributeType.XOR_PEER_ADDRESS));
      const body = getAttribute(d.message, AttributeType.DATA)?.value;
      if (!to || !body || !permitted.has(to.address) || !w.outboundOpen) return;
      if (to.address !== peerLocal.address || to.port !== peerLocal.port) return;
      for (const l of [...peerListeners]) l(Buffer.from(body), w.relayed);
    },
    subscribe(l: (e: ChannelEvent) => void) {
      channelListeners.add(l);
      return () => channelListeners.delete(l);
    },
  };

  const peer: DatagramSocket = {
    family: 4,
    localPort: peerLocal.port,
    send(data, to) {
      peerSends.push(to);
      if (to.address === CONTROL.address && to.port === CONTROL.port) {
        const d = decodeMessage(data);
        if (w.udpControl && d.ok && d.message.method === Method.Binding) {
          const answer = encodeMessage({ method: Method.Binding, cls: 'success', transactionId: d.message.transactionId, attributes: [addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { family: 4, ...peerLocal }, d.message.transactionId)] }, { fingerprint: true });
          for (const l of [...peerListeners]) l(answer, CONTROL);
        }
        return;
      }
      if (to.address !== w.relayed.address || to.port !== w.relayed.port || !w.inboundOpen || !permitted.has(peerLocal.address)) return;
      const tx = Buffer.alloc(12, 7);
      const ind = encodeMessage({ method: Method.Data, cls: 'indication', transactionId: tx, attributes: [addressAttribute(AttributeType.XOR_PEER_ADDRESS, { family: 4, ...peerLocal }, tx), { type: AttributeType.DATA, value: data }] });
      for (const l of [...channelListeners]) l({ kind: 'frame', data: ind });
    },
    subscribe(l) {
      peerListeners.add(l);
      return () => peerListeners.delete(l);
    },
    close() {},
  };

  const run = async (urlAddresses: string[] = [SERVER]) => {
    const p = relayReachFlow({ transact, channel, peer, clock, urlAddresses, ...(w.udpControl !== null ? { udpControl: CONTROL } : {}) }, { username: USER, password: PASS });
    for (let i = 0; i < 10; i++) await clock.advance(1_000);
    return p;
  };
  return { run, seen, peerSends, clock };
}

const methods = (seen: StunMessage[]) => seen.map((m) => m.method);

describe('relayReachFlow', () => {
  it('open relay: OK, every datagram in as a Data indication and out via a Send indication, then released', async () => {
    const t = fakeTurn();
    const r = await t.run();
    expect(r.code).toBe(ProtocolCode.OK);
    expect(r.inbound).toMatchObject({ sent: 3, received: 3, seenFrom: [`${CLIENT_PUBLIC}:41000`] });
    expect(r.outbound).toMatchObject({ sent: 3, received: 3, to: `${CLIENT_PUBLIC}:41000`, seenFrom: [`${SERVER}:50000`] });
    expect(r.permission).toEqual({ peerIp: CLIENT_PUBLIC, outcome: 'success' });
    expect(r.released).toBe(true);
    expect(methods(t.seen)).toEqual([Method.Allocate, Method.Allocate, Method.CreatePermission, Method.Refresh]);
    // CreatePermission and Refresh are signed with the allocation's credentials.
    expect(verifyIntegrity(t.seen[2]!, KEY)).toBe('valid');
    expect(verifyIntegrity(t.seen[3]!, KEY)).toBe('valid');
  });

  it('relay port range dropped by the server firewall: RELAY_UNREACHABLE names the port and what arrived the other way', async () => {
    const t = fakeTurn({ inboundOpen: false });
    const r = await t.run();
    expect(r.code).toBe(ProtocolCode.RELAY_UNREACHABLE);
    expect(statusOf(r.code)).toBe('fail');
    expect(r.inbound).toMatchObject({ sent: 3, received: 0, to: `${SERVER}:50000` });
    // Outbound from the relay still works (a stateful cloud firewall lets replies out).
    expect(r.outbound).toMatchObject({ received: 3 });
    expect(r.released).toBe(true);
  });

  it('nothing reaches the relay, but the server\'s UDP port does answer: RELAY_UNREACHABLE; UDP from here blocked altogether: not tested', async () => {
    expect((await fakeTurn({ inboundOpen: false, udpControl: true }).run()).code).toBe(ProtocolCode.RELAY_UNREACHABLE);
    const r = await fakeTurn({ inboundOpen: false, udpControl: false }).run();
    expect(r.code).toBe(ProtocolCode.RELAY_NOT_TESTED);
    expect(statusOf(r.code)).toBe('skip');
    // A reachable relay never needs the control.
    const t = fakeTurn({ udpControl: false });
    expect((await t.run()).code).toBe(ProtocolCode.OK);
    expect(t.peerSends.some((x) => x.port === CONTROL.port)).toBe(false);
  });

  it('neither direction: RELAY_UNREACHABLE; only the outbound direction blocked: RELAY_ONE_WAY', async () => {
    expect((await fakeTurn({ inboundOpen: false, outboundOpen: false }).run()).outbound).toMatchObject({ received: 0 });
    const r = await fakeTurn({ outboundOpen: false }).run();
    expect(r.code).toBe(ProtocolCode.RELAY_ONE_WAY);
    expect(r.inbound).toMatchObject({ received: 3 });
  });

  it('a private (RFC 1918) relayed address: RELAY_ADDRESS_NOT_SERVER, and not one datagram sent there', async () => {
    const rfc1918 = SPECIAL_RANGES.filter((x) => x.rfc === 'RFC 1918');
    expect(rfc1918.map((x) => x.len)).toEqual([8, 12, 16]);
    for (const range of rfc1918) {
      // An address inside the range, built from the table (no private literal in the tests).
      const octets = range.net.split('.').map(Number);
      octets[3] = 7;
      const t = fakeTurn({ relayed: { address: octets.join('.'), port: 50_000 } });
      const r = await t.run();
      expect(r.code).toBe(ProtocolCode.RELAY_ADDRESS_NOT_SERVER);
      expect(r.verdict).toMatchObject({ kind: 'not-server', cls: 'private', urlAddresses: [SERVER] });
      expect(t.peerSends).toEqual([]);
      expect(methods(t.seen)).not.toContain(Method.CreatePermission);
      expect(r.released).toBe(true);
    }
  });

  it('a documentation or unused lab address as relayed address: RELAY_ADDRESS_NOT_SERVER with its class, nothing sent', async () => {
    for (const [address, cls] of [['192.0.2.9', 'documentation'], ['198.18.0.99', 'benchmarking'], ['2001:db8::9', 'documentation']] as const) {
      const t = fakeTurn({ relayed: { address, port: 50_000 } });
      const r = await t.run();
      expect(r.code, address).toBe(ProtocolCode.RELAY_ADDRESS_NOT_SERVER);
      expect(r.verdict).toMatchObject({ cls });
      expect(t.peerSends).toEqual([]);
    }
  });

  it('the relayed address is one of the addresses the URL name resolves to: tested', async () => {
    const r = await fakeTurn({ relayed: { address: '198.18.0.2', port: 50_001 } }).run(['198.18.0.1', '198.18.0.2']);
    expect(r.code).toBe(ProtocolCode.OK);
  });

  it('CreatePermission refused: RELAY_PERMISSION_FAILED with the error; a 438 is retried with the new nonce', async () => {
    const r = await fakeTurn({ permission: 403 }).run();
    expect(r.code).toBe(ProtocolCode.RELAY_PERMISSION_FAILED);
    expect(r.permission).toEqual({ peerIp: CLIENT_PUBLIC, outcome: 'error 403' });
    const t = fakeTurn({ permission: 'stale-once' });
    expect((await t.run()).code).toBe(ProtocolCode.OK);
    const perms = t.seen.filter((m) => m.method === Method.CreatePermission);
    expect(perms.map((m) => valueOf(readText(m, AttributeType.NONCE)))).toEqual(['n1', 'n2']);
  });

  it('no allocation (wrong password): RELAY_NOT_TESTED (skip), nothing else sent', async () => {
    const t = fakeTurn({ allocate: 'auth-fails' });
    const r = await t.run();
    expect(r.code).toBe(ProtocolCode.RELAY_NOT_TESTED);
    expect(statusOf(r.code)).toBe('skip');
    expect(methods(t.seen)).toEqual([Method.Allocate, Method.Allocate]);
    expect(t.peerSends).toEqual([]);
  });
});
