/** STUN Binding probe over the URL's transport (RFC 8489 §6, §7). */
import type { Check } from '../core/schema.js';
import { AttributeType } from '../stun/attribute-types.js';
import { formatTransportAddress } from '../stun/address.js';
import { readAddress, readErrorCode, readText, software as softwareAttr, valueOf } from '../stun/attributes.js';
import { Method } from '../stun/header.js';
import { encodeMessage } from '../stun/message.js';
import type { IceUri } from '../core/uri.js';
import { makeCheck } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import { openChannel, transactor, type Target, type TlsPolicy } from './connect.js';
import type { Clock } from '../net/clock.js';
import { checkId } from '../core/ids.js';

export interface ProbeContext {
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
  tls?: TlsPolicy;
  rtoMs?: number;
  software?: string;
}

export async function probeStunBinding(uri: IceUri, address: string, ctx: ProbeContext): Promise<Check> {
  const start = ctx.clock.now();
  const deadline = start + ctx.timeoutMs;
  const target: Target = { transport: uri.transport, address, port: uri.port, host: uri.host };
  const base = { id: checkId.stunBinding(uri.canonical), kind: 'stun-binding' as const, target: uri.canonical, transport: uri.transport };
  const details: Record<string, unknown> = { address, port: uri.port };

  const opened = await openChannel(target, { timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.tls ? { tls: ctx.tls } : {}) });
  if (!opened.ok) {
    return makeCheck({ ...base, code: opened.code, message: `could not connect to ${address}:${uri.port} over ${uri.transport}: ${opened.detail}`, durationMs: ctx.clock.now() - start, details: { ...details, error: opened.detail } });
  }
  const { channel } = opened.value;
  if (uri.transport !== 'udp') details.connectMs = Math.round(opened.connectMs * 100) / 100;
  try {
    const transact = transactor(channel, { deadline, clock: ctx.clock, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.rtoMs !== undefined ? { rtoMs: ctx.rtoMs } : {}) });
    const req = encodeMessage({ method: Method.Binding, cls: 'request', attributes: ctx.software ? [softwareAttr(ctx.software)] : [] }, { fingerprint: true });
    const r = await transact(req);
    const durationMs = ctx.clock.now() - start;
    if (!r.ok) {
      return makeCheck({ ...base, code: r.code, message: `Binding over ${uri.transport}: ${r.detail}`, durationMs, details: { ...details, sends: r.sends, sendTimesMs: r.evidence.sendTimesMs, ...(r.evidence.invalid ? { invalid: r.evidence.invalid } : {}) } });
    }
    const m = r.response;
    Object.assign(details, {
      rttMs: Math.round(r.rttMs * 100) / 100,
      sends: r.sends,
      software: valueOf(readText(m, AttributeType.SOFTWARE)) ?? null,
      fingerprint: m.fingerprint,
    });
    if (m.cls === 'error') {
      const ec = valueOf(readErrorCode(m)) ?? null;
      return makeCheck({ ...base, code: ProtocolCode.STUN_ERROR_RESPONSE, message: `Binding refused: ${ec ? `${ec.code} ${ec.reason}` : 'no ERROR-CODE'}`, durationMs, details: { ...details, errorCode: ec } });
    }
    const mapped = valueOf(readAddress(m, AttributeType.XOR_MAPPED_ADDRESS)) ?? valueOf(readAddress(m, AttributeType.MAPPED_ADDRESS));
    const origin = valueOf(readAddress(m, AttributeType.RESPONSE_ORIGIN));
    const other = valueOf(readAddress(m, AttributeType.OTHER_ADDRESS));
    Object.assign(details, {
      mappedAddress: mapped ? formatTransportAddress(mapped) : null,
      xorMapped: readAddress(m, AttributeType.XOR_MAPPED_ADDRESS)?.ok === true,
      responseOrigin: origin ? formatTransportAddress(origin) : null,
      otherAddress: other ? formatTransportAddress(other) : null,
    });
    if (!mapped) return makeCheck({ ...base, code: ProtocolCode.STUN_NO_MAPPED_ADDRESS, message: 'Binding success without a mapped address', durationMs, details });
    return makeCheck({ ...base, code: ProtocolCode.OK, message: `mapped address ${formatTransportAddress(mapped)} in ${Math.round(r.rttMs)} ms`, durationMs, details });
  } finally {
    channel.close();
  }
}
