/** TURN Allocate probe: opens the URL's transport and runs the allocate flow (turn-flow.ts). */
import type { Check } from '../core/schema.js';
import type { StunChannel } from '../net/channel.js';
import type { IceUri } from '../core/uri.js';
import { makeCheck, round } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import { openChannel, sniffPort, transactor, type PortSniff } from './connect.js';
import type { ProbeContext } from './stun-binding.js';
import { allocateFlow, type AllocateFlowResult } from './turn-flow.js';
import { checkId } from '../core/ids.js';

/** Outcomes of the first plain-TCP Allocate that leave room for "this port speaks TLS". */
const SILENT_ON_TCP = new Set<string>([ProtocolCode.TIMEOUT, ProtocolCode.CONNECTION_CLOSED, ProtocolCode.CONNECTION_RESET, ProtocolCode.NOT_STUN, ProtocolCode.MALFORMED_RESPONSE, ProtocolCode.NO_MAGIC_COOKIE]);

export interface TurnCredentials {
  username: string;
  password: string;
}

export interface AllocateProbeOptions extends ProbeContext {
  expectedRealm?: string;
  /** Free the allocation afterwards (default true). */
  release?: boolean;
  /** Wall-clock now (unix ms) for TURN REST expiry checks. */
  wallNow?: () => number;
}

export interface AllocateAttempt {
  check: Check;
  flow: AllocateFlowResult | null;
  /** Open only when release === false and the channel was opened; the caller closes it. */
  channel: StunChannel | null;
}

/** Lower level than probeTurnAllocate: can keep the allocation (and its channel) open. */
export async function attemptAllocate(uri: IceUri, address: string, creds: TurnCredentials, ctx: AllocateProbeOptions): Promise<AllocateAttempt> {
  const start = ctx.clock.now();
  const deadline = start + ctx.timeoutMs;
  const base = { id: checkId.turnAllocate(uri.canonical), kind: 'turn-allocate' as const, target: uri.canonical, transport: uri.transport };
  const opened = await openChannel(
    { transport: uri.transport, address, port: uri.port, host: uri.host },
    { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.tls ? { tls: ctx.tls } : {}) },
  );
  if (!opened.ok) {
    const check = makeCheck({
      ...base,
      code: opened.code,
      message: `could not connect to ${address}:${uri.port} over ${uri.transport}: ${opened.detail}`,
      durationMs: ctx.clock.now() - start,
      details: { address, port: uri.port, error: opened.detail, ...(opened.tcpConnectMs !== undefined ? { tcpConnected: true, tcpConnectMs: round(opened.tcpConnectMs), portState: 'TCP open, no TLS' } : {}) },
    });
    return { check, flow: null, channel: null };
  }
  const { channel } = opened.value;
  let keep = false;
  try {
    const transact = transactor(channel, { deadline, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.rtoMs !== undefined ? { rtoMs: ctx.rtoMs } : {}) });
    const flow = await allocateFlow(transact, {
      username: creds.username,
      password: creds.password,
      ...(ctx.software ? { software: ctx.software } : {}),
      ...(ctx.expectedRealm !== undefined ? { expectedRealm: ctx.expectedRealm } : {}),
      release: ctx.release ?? true,
      nowMs: (ctx.wallNow ?? Date.now)(),
    });
    keep = ctx.release === false && flow.code === ProtocolCode.OK;
    // Plain TCP connected but no STUN came back (or garbage did): does the port speak TLS instead?
    let sniff: PortSniff | null = null;
    if (uri.transport === 'tcp' && flow.steps.length === 1 && SILENT_ON_TCP.has(flow.code)) {
      channel.close();
      sniff = await sniffPort({ address, port: uri.port, host: uri.host }, 'tls', { timeoutMs: ctx.timeoutMs, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      if (sniff.speaks === 'tls') {
        flow.message = `TCP to ${address}:${uri.port} connects, but the port speaks TLS (${sniff.tlsProtocol ?? 'handshake completed'}), not plain STUN/TURN: it is a turns: port (${flow.message})`;
        flow.code = ProtocolCode.PORT_SPEAKS_TLS;
      }
    }
    const details: Record<string, unknown> = {
      address,
      port: uri.port,
      ...(uri.transport !== 'udp' ? { connectMs: round(opened.connectMs) } : {}),
      steps: flow.steps.map((s) => ({ ...s, rttMs: s.rttMs === null ? null : round(s.rttMs) })),
      realm: flow.realm,
      relayedAddress: flow.relayedAddress,
      mappedAddress: flow.mappedAddress,
      lifetimeS: flow.lifetimeS,
      software: flow.software,
      integrity: flow.integrity,
      fingerprint: flow.fingerprint,
      released: flow.released,
      ...(flow.errorCode ? { errorCode: flow.errorCode } : {}),
      ...(flow.unknownAttributes ? { unknownAttributes: flow.unknownAttributes } : {}),
      ...(flow.alternateServer ? { alternateServer: flow.alternateServer } : {}),
      ...(flow.transport ? { transportError: flow.transport } : {}),
      ...(sniff ? { tcpConnected: true, portSpeaks: sniff.speaks === 'tls' ? 'tls' : 'unknown', portState: sniff.speaks === 'tls' ? 'TCP open, speaks TLS' : 'TCP open, no STUN answer', ...(sniff.tlsProtocol ? { tlsProtocol: sniff.tlsProtocol } : {}) } : {}),
      ...(flow.authRejection ? { authRejection: flow.authRejection } : {}),
      ...(flow.restExpiry !== null ? { restExpiry: new Date(flow.restExpiry * 1000).toISOString() } : {}),
    };
    const check = makeCheck({ ...base, code: flow.code, message: flow.message, durationMs: ctx.clock.now() - start, details });
    return { check, flow, channel: keep ? channel : null };
  } finally {
    if (!keep) channel.close();
  }
}

export async function probeTurnAllocate(uri: IceUri, address: string, creds: TurnCredentials | null, ctx: AllocateProbeOptions): Promise<Check> {
  if (!creds) {
    return makeCheck({
      id: checkId.turnAllocate(uri.canonical),
      kind: 'turn-allocate',
      target: uri.canonical,
      transport: uri.transport,
      code: ProtocolCode.TURN_NO_CREDENTIALS,
      message: 'no credentials for this TURN URL',
      durationMs: 0,
      details: {},
    });
  }
  return (await attemptAllocate(uri, address, creds, { ...ctx, release: true })).check;
}
