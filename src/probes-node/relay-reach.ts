/**
 * Relay reachability from outside (RFC 8656 §9 permissions, §11 Send/Data indications).
 *
 * A relay-forced loopback call relays both peers through the same TURN server, and coturn
 * delivers relay-to-relay traffic inside the server: a firewalled relay port range
 * (min-port..max-port) or a wrong `external-ip` pass such a call. This probe is the outside peer:
 *
 *   Allocate (401 round trip, turn-flow.ts, kept open) → classify XOR-RELAYED-ADDRESS
 *     └ not the server's address → RELAY_ADDRESS_NOT_SERVER / _UNVERIFIED (nothing is sent there)
 *   CreatePermission for our own public IP (the allocation's XOR-MAPPED-ADDRESS)
 *   inbound:  a separate plain UDP socket sends datagrams to the relayed address; each must come
 *             back over the allocation as a Data indication (else RELAY_UNREACHABLE)
 *   outbound: Send indications to that socket's address as the relay saw it; each must arrive
 *             there from the relayed address (else RELAY_ONE_WAY)
 *   Refresh(LIFETIME 0)
 *
 * `relayReachFlow` is pure over what is passed in (transact, the allocation's channel, the peer
 * socket, the clock); `probeRelayReach` opens the real ones. Network outcomes are codes.
 */
import { randomBytes } from 'node:crypto';
import type { Check } from '../core/schema.js';
import { checkId } from '../core/ids.js';
import { ProtocolCode } from '../core/codes.js';
import type { IceUri } from '../core/uri.js';
import type { ChannelEvent, StunChannel } from '../net/channel.js';
import type { Clock } from '../net/clock.js';
import { openDatagramSocket, type DatagramSocket, type Endpoint } from '../net/datagram.js';
import { AttributeType } from '../stun/attribute-types.js';
import { addressAttribute, lifetime, readAddress, readErrorCode, valueOf } from '../stun/attributes.js';
import { formatTransportAddress } from '../stun/address.js';
import { Method, newTransactionId } from '../stun/header.js';
import { decodeMessage, encodeMessage, getAttribute } from '../stun/message.js';
import { makeCheck } from './check.js';
import { openChannel, transactor } from './connect.js';
import { judgeRelayedAddress, maySendTo, type RelayedAddressVerdict } from './relay-address.js';
import type { ProbeContext } from './stun-binding.js';
import { allocateFlow, type Transact } from './turn-flow.js';
import type { TurnCredentials } from './turn-allocate.js';

/** Datagrams per direction, and their spacing: a single loss must not read as a closed port. */
export const RELAY_REACH_DEFAULTS = { datagrams: 3, spacingMs: 100, waitMs: 1_000 } as const;

export const relayReachCheckId = checkId.relayReach;

export interface RelayReachDeps {
  transact: Transact;
  /** The allocation's channel: Send indications go out on it, Data indications come in. */
  channel: Pick<StunChannel, 'send' | 'subscribe'>;
  /** The outside peer: a plain UDP socket of the relayed address's family. */
  peer: DatagramSocket;
  clock: Clock;
  /** What the URL's host is or resolves to: the only addresses counted as the server's. */
  urlAddresses: readonly string[];
  /** Called once the allocation is granted: the probe gives the rest of the flow its own bound. */
  onAllocated?: () => void;
  /**
   * A UDP STUN listener of the same server (the URL itself over UDP, or a stun:/turn: UDP URL of
   * its host). When nothing reaches the relay, the peer socket sends it a Binding: no answer
   * means UDP from this machine is blocked, so no peer here could reach any relay (not tested).
   */
  udpControl?: Endpoint;
}

export interface RelayReachOptions {
  username: string;
  password: string;
  software?: string;
  datagrams?: number;
  spacingMs?: number;
  /** How long each direction waits after its first datagram. */
  waitMs?: number;
  nowMs?: number;
}

export interface DirectionResult {
  from: string;
  to: string;
  sent: number;
  received: number;
  /** Where the datagrams came from as the receiver saw them. */
  seenFrom: string[];
}

export interface RelayReachResult {
  code: string;
  message: string;
  allocation: { code: string; relayedAddress: string | null; mappedAddress: string | null };
  verdict: RelayedAddressVerdict | null;
  permission: { peerIp: string; outcome: string } | null;
  inbound: DirectionResult | null;
  outbound: DirectionResult | null;
  released: boolean | null;
}

const PREFIX = 'iceprobe-relay-reach';

/** The test payload: prefix, run token, direction and sequence number, as ASCII. */
export function payload(token: string, dir: 'in' | 'out', i: number): Buffer {
  return Buffer.from(`${PREFIX} ${token} ${dir} ${i}`, 'ascii');
}

function parsePayload(data: Buffer, token: string, dir: 'in' | 'out'): number | null {
  const m = new RegExp(`^${PREFIX} ${token} ${dir} (\\d+)$`).exec(data.toString('latin1'));
  return m ? Number(m[1]) : null;
}

const fmt = (e: Endpoint) => formatTransportAddress({ family: e.address.includes(':') ? 6 : 4, address: e.address, port: e.port });

/**
 * Sends `count` datagrams spaced `spacingMs` apart and waits until every one arrived or
 * `waitMs` passed since the first send.
 */
async function exchange(clock: Clock, count: number, spacingMs: number, waitMs: number, send: (i: number) => void, listen: (onArrive: (i: number, from: Endpoint) => void) => () => void): Promise<{ received: number; seenFrom: string[] }> {
  const got = new Set<number>();
  const seen = new Set<string>();
  let wake: (() => void) | null = null;
  const stop = listen((i, from) => {
    if (i < 0 || i >= count) return;
    got.add(i);
    seen.add(fmt(from));
    if (got.size === count) wake?.();
  });
  const cancels: (() => void)[] = [];
  try {
    const done = new Promise<void>((resolve) => {
      wake = resolve;
      cancels.push(clock.setTimer(resolve, waitMs));
    });
    for (let i = 0; i < count; i++) cancels.push(clock.setTimer(() => send(i), i * spacingMs));
    await done;
  } finally {
    for (const c of cancels) c();
    stop();
  }
  return { received: got.size, seenFrom: [...seen] };
}

export async function relayReachFlow(d: RelayReachDeps, o: RelayReachOptions): Promise<RelayReachResult> {
  const count = o.datagrams ?? RELAY_REACH_DEFAULTS.datagrams;
  const spacing = o.spacingMs ?? RELAY_REACH_DEFAULTS.spacingMs;
  const waitMs = o.waitMs ?? RELAY_REACH_DEFAULTS.waitMs;
  const flow = await allocateFlow(d.transact, { username: o.username, password: o.password, release: false, ...(o.software ? { software: o.software } : {}), ...(o.nowMs !== undefined ? { nowMs: o.nowMs } : {}) });
  const out: RelayReachResult = {
    code: ProtocolCode.OK,
    message: '',
    allocation: { code: String(flow.code), relayedAddress: flow.relayedAddress, mappedAddress: flow.mappedAddress },
    verdict: null,
    permission: null,
    inbound: null,
    outbound: null,
    released: null,
  };
  const finish = (code: string, message: string) => Object.assign(out, { code, message });
  const granted = flow.session;
  if (flow.code !== ProtocolCode.OK || !granted) return finish(ProtocolCode.RELAY_NOT_TESTED, `no allocation to test (${flow.code}; see the turn-allocate check)`);

  const session = granted;
  d.onAllocated?.();
  const release = async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await d.transact(session.request(Method.Refresh, [lifetime(0)]));
      if (r.ok && r.response.cls === 'success') return void (out.released = true);
      if (r.ok && valueOf(readErrorCode(r.response))?.code === 438 && attempt === 0 && session.renewNonce(r.response)) continue;
      break;
    }
    out.released = false;
  };

  try {
    return await afterAllocate();
  } finally {
    await release();
  }

  async function afterAllocate(): Promise<RelayReachResult> {
    const relayed = parseEndpoint(flow.relayedAddress);
    const mapped = parseEndpoint(flow.mappedAddress);
    if (!relayed) return finish(ProtocolCode.TURN_NO_RELAYED_ADDRESS, 'the allocation has no relayed address');

    // ---- classify before sending anything
    const verdict = judgeRelayedAddress(relayed.address, d.urlAddresses);
    out.verdict = verdict;
    if (verdict.kind === 'not-server') {
      const said = `the server advertises relayed address ${flow.relayedAddress} (${verdict.cls}${verdict.range ? `, ${verdict.range}` : ''}), which is not an address of the server: the URL's host is ${verdict.urlAddresses.join(', ') || '?'} (coturn: check external-ip)`;
      if (verdict.cls === 'public') return finish(ProtocolCode.RELAY_ADDRESS_UNVERIFIED, `${said}; iceprobe does not send to an address the URL does not name, so the relay was not tested`);
      return finish(ProtocolCode.RELAY_ADDRESS_NOT_SERVER, `${said}; no peer can reach it`);
    }
    if (!maySendTo(relayed.address, d.urlAddresses)) throw new Error(`internal: send guard refused ${relayed.address}`);
    if ((relayed.address.includes(':') ? 6 : 4) !== d.peer.family) return finish(ProtocolCode.RELAY_NOT_TESTED, `the relayed address ${flow.relayedAddress} is not of the peer socket's address family`);
    if (!mapped) return finish(ProtocolCode.RELAY_NOT_TESTED, 'the allocation has no XOR-MAPPED-ADDRESS: iceprobe does not know its own address to permit');

    // ---- CreatePermission for our own public IP (permissions are per IP, RFC 8656 §9)
    const peerIp = mapped.address;
    let permitted = false;
    let outcome = 'no answer';
    for (let attempt = 0; attempt < 2 && !permitted; attempt++) {
      const tx = newTransactionId();
      const r = await d.transact(session.request(Method.CreatePermission, [addressAttribute(AttributeType.XOR_PEER_ADDRESS, { family: d.peer.family, address: peerIp, port: 0 }, tx)], tx));
      if (!r.ok) {
        outcome = r.code;
        break;
      }
      if (r.response.cls === 'success') {
        permitted = true;
        outcome = 'success';
        break;
      }
      const ec = valueOf(readErrorCode(r.response));
      outcome = `error ${ec?.code ?? '?'}`;
      if (ec?.code === 438 && session.renewNonce(r.response)) continue;
      break;
    }
    out.permission = { peerIp, outcome };
    if (!permitted) return finish(ProtocolCode.RELAY_PERMISSION_FAILED, `CreatePermission for ${peerIp} failed (${outcome})`);

    const token = randomBytes(6).toString('hex');
    const peerLocal = `local port ${d.peer.localPort}`;

    // ---- inbound: outside peer → relayed address → Data indication to us
    const inbound = await exchange(
      d.clock,
      count,
      spacing,
      waitMs,
      (i) => {
        if (maySendTo(relayed.address, d.urlAddresses)) d.peer.send(payload(token, 'in', i), relayed);
      },
      (arrive) =>
        d.channel.subscribe((e: ChannelEvent) => {
          if (e.kind !== 'frame') return;
          const m = decodeMessage(e.data);
          if (!m.ok || m.message.method !== Method.Data || m.message.cls !== 'indication') return;
          const data = getAttribute(m.message, AttributeType.DATA)?.value;
          const from = valueOf(readAddress(m.message, AttributeType.XOR_PEER_ADDRESS));
          const i = data ? parsePayload(data, token, 'in') : null;
          if (i !== null && from) arrive(i, from);
        }),
    );
    out.inbound = { from: peerLocal, to: flow.relayedAddress ?? '?', sent: count, received: inbound.received, seenFrom: inbound.seenFrom };

    // ---- outbound: Send indication → relayed address → the outside peer
    const seen = parseEndpoint(inbound.seenFrom[0] ?? null);
    const target: Endpoint = seen ?? { address: peerIp, port: d.peer.localPort };
    const outbound = await exchange(
      d.clock,
      count,
      spacing,
      waitMs,
      (i) => {
        const tx = newTransactionId();
        d.channel.send(
          encodeMessage({ method: Method.Send, cls: 'indication', transactionId: tx, attributes: [addressAttribute(AttributeType.XOR_PEER_ADDRESS, { family: d.peer.family, address: target.address, port: target.port }, tx), { type: AttributeType.DATA, value: payload(token, 'out', i) }] }, { fingerprint: true }),
        );
      },
      (arrive) =>
        d.peer.subscribe((data, from) => {
          const i = parsePayload(data, token, 'out');
          if (i !== null) arrive(i, from);
        }),
    );
    out.outbound = { from: flow.relayedAddress ?? '?', to: fmt(target), sent: count, received: outbound.received, seenFrom: outbound.seenFrom };

    if (inbound.received === 0 && d.udpControl && !(await udpAnswers(d, d.udpControl, waitMs))) {
      return finish(ProtocolCode.RELAY_NOT_TESTED, `nothing reached relay port ${relayed.port}, but this machine's UDP does not reach the server at all (no answer to a Binding to ${fmt(d.udpControl)}): a peer here could reach no relay; the UDP checks say why`);
    }
    if (inbound.received === 0) {
      const back = outbound.received > 0 ? `; the other way, the relay's ${outbound.received} of ${count} Send-indication datagrams did reach us` : '; nothing came the other way either';
      return finish(ProtocolCode.RELAY_UNREACHABLE, `sent ${count} datagrams from ${peerIp} (${peerLocal}) to relay port ${relayed.port} of ${relayed.address}: none came back as a Data indication${back}. The relay port range is blocked (firewall or cloud security group)`);
    }
    if (outbound.received === 0) {
      return finish(ProtocolCode.RELAY_ONE_WAY, `datagrams to relay port ${relayed.port} arrived (${inbound.received} of ${count}), but none of ${count} Send indications reached ${fmt(target)} from the relay`);
    }
    return finish(ProtocolCode.OK, `relay ${flow.relayedAddress} reachable from outside: ${inbound.received}/${count} in as Data indications, ${outbound.received}/${count} out via Send indications`);
  }
}

/** One Binding from the peer socket to `to` (retransmitted like the datagrams): any answer? */
async function udpAnswers(d: RelayReachDeps, to: Endpoint, waitMs: number): Promise<boolean> {
  if (!maySendTo(to.address, d.urlAddresses)) return false;
  const req = encodeMessage({ method: Method.Binding, cls: 'request' }, { fingerprint: true });
  const tx = req.subarray(8, 20);
  const r = await exchange(
    d.clock,
    3,
    RELAY_REACH_DEFAULTS.spacingMs,
    waitMs,
    () => d.peer.send(req, to),
    (arrive) =>
      d.peer.subscribe((data, from) => {
        const m = decodeMessage(data);
        if (m.ok && m.message.method === Method.Binding && m.message.cls === 'success' && m.message.transactionId.equals(tx)) {
          for (let i = 0; i < 3; i++) arrive(i, from);
        }
      }),
  );
  return r.received > 0;
}

function parseEndpoint(s: string | null): Endpoint | null {
  if (!s) return null;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  return m?.[1] ? { address: m[1], port: Number(m[2]) } : null;
}

export interface RelayReachProbeOptions extends ProbeContext {
  wallNow?: () => number;
  datagrams?: number;
  waitMs?: number;
}

/** Opens the allocation's channel and the outside peer socket, runs the flow, closes both. */
export async function probeRelayReach(uri: IceUri, address: string, urlAddresses: readonly string[], creds: TurnCredentials | null, ctx: RelayReachProbeOptions, udpControlPort?: number): Promise<Check> {
  const start = ctx.clock.now();
  const base = { id: relayReachCheckId(uri.canonical), kind: 'relay-reach' as const, target: uri.canonical, transport: uri.transport };
  if (!creds) return makeCheck({ ...base, code: ProtocolCode.RELAY_NOT_TESTED, message: 'no credentials for this TURN URL', durationMs: 0, details: {} });
  const opened = await openChannel({ transport: uri.transport, address, port: uri.port, host: uri.host }, { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.tls ? { tls: ctx.tls } : {}) });
  if (!opened.ok) return makeCheck({ ...base, code: ProtocolCode.RELAY_NOT_TESTED, message: `could not connect to ${address}:${uri.port} (${opened.code}; see the turn-allocate check)`, durationMs: ctx.clock.now() - start, details: { address, port: uri.port } });
  const { channel } = opened.value;
  // The relayed address is IPv4 unless asked otherwise (RFC 8656 §7.1 REQUESTED-ADDRESS-FAMILY).
  const peerOpen = await openDatagramSocket(4);
  if (!peerOpen.ok) {
    channel.close();
    return makeCheck({ ...base, code: ProtocolCode.SOCKET_ERROR, message: `could not open the peer socket: ${peerOpen.detail}`, durationMs: ctx.clock.now() - start, details: {} });
  }
  const peer = peerOpen.value;
  try {
    // The allocation has timeoutMs, like the turn-allocate probe; the rest (permission, both
    // directions of the exchange, the release) gets timeoutMs more plus the two waits.
    const waits = 2 * (ctx.waitMs ?? RELAY_REACH_DEFAULTS.waitMs);
    const bound = { deadline: start + ctx.timeoutMs };
    const transact = transactor(channel, {
      get deadline() {
        return bound.deadline;
      },
      clock: ctx.clock,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.rtoMs !== undefined ? { rtoMs: ctx.rtoMs } : {}),
    });
    const r = await relayReachFlow(
      { transact, channel, peer, clock: ctx.clock, urlAddresses, ...(udpControlPort !== undefined ? { udpControl: { address, port: udpControlPort } } : {}), onAllocated: () => (bound.deadline = ctx.clock.now() + ctx.timeoutMs + waits) },
      { username: creds.username, password: creds.password, ...(ctx.software ? { software: ctx.software } : {}), ...(ctx.datagrams !== undefined ? { datagrams: ctx.datagrams } : {}), ...(ctx.waitMs !== undefined ? { waitMs: ctx.waitMs } : {}), nowMs: (ctx.wallNow ?? Date.now)() },
    );
    const relayedPort = parseEndpoint(r.allocation.relayedAddress)?.port ?? null;
    return makeCheck({
      ...base,
      code: r.code,
      message: r.message,
      durationMs: ctx.clock.now() - start,
      details: {
        address,
        port: uri.port,
        relayedAddress: r.allocation.relayedAddress,
        relayedPort,
        mappedAddress: r.allocation.mappedAddress,
        allocation: r.allocation.code,
        ...(r.verdict ? { relayedAddressIsServer: r.verdict.kind === 'server' } : {}),
        ...(r.verdict?.kind === 'not-server' ? { relayedAddressClass: r.verdict.cls, relayedAddressRange: r.verdict.range, urlAddresses: r.verdict.urlAddresses } : {}),
        ...(r.permission ? { permission: r.permission } : {}),
        ...(r.inbound ? { inbound: r.inbound } : {}),
        ...(r.outbound ? { outbound: r.outbound } : {}),
        released: r.released,
      },
    });
  } finally {
    peer.close();
    channel.close();
  }
}
