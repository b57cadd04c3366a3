/**
 * DNS probe: A and AAAA for a host name through the system resolver (getaddrinfo, as browsers
 * do); IP literals pass without a lookup. The resolver is injected.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Check } from '../core/schema.js';
import { makeCheck } from './check.js';
import { ProtocolCode } from '../core/codes.js';
import { checkId } from '../core/ids.js';

export interface Resolver {
  /** Addresses of one family; rejects with an errno-style error (ENOTFOUND, ENODATA, EAI_AGAIN…). */
  lookup(host: string, family: 4 | 6): Promise<string[]>;
}

export const systemResolver: Resolver = {
  async lookup(host, family) {
    const r = await lookup(host, { family, all: true });
    return r.map((a) => a.address);
  },
};

export interface Resolved {
  code: ProtocolCode;
  v4: string[];
  v6: string[];
  /** The address probes connect to: the first IPv4, else the first IPv6. */
  address: string | null;
  durationMs: number;
  errors: { family: 4 | 6; code: string }[];
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

export async function resolveHost(host: string, resolver: Resolver, timeoutMs: number, now: () => number): Promise<Resolved> {
  const start = now();
  const ip = isIP(host);
  if (ip !== 0) return { code: ProtocolCode.OK, v4: ip === 4 ? [host] : [], v6: ip === 6 ? [host] : [], address: host, durationMs: 0, errors: [] };
  const errors: Resolved['errors'] = [];
  const one = async (family: 4 | 6): Promise<string[]> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        resolver.lookup(host, family),
        new Promise<string[]>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error('DNS timeout'), { code: 'ETIMEOUT' })), timeoutMs);
        }),
      ]);
    } catch (e) {
      errors.push({ family, code: String((e as NodeJS.ErrnoException).code ?? 'ERROR') });
      return [];
    } finally {
      clearTimeout(timer);
    }
  };
  const [v4, v6] = await Promise.all([one(4), one(6)]);
  const address = v4[0] ?? v6[0] ?? null;
  const code = address !== null ? ProtocolCode.OK : errors.every((e) => NOT_FOUND.has(e.code)) ? ProtocolCode.DNS_NOT_FOUND : ProtocolCode.DNS_ERROR;
  return { code, v4, v6, address, durationMs: now() - start, errors };
}

export function dnsCheck(host: string, r: Resolved): Check {
  const literal = isIP(host) !== 0;
  return makeCheck({
    id: checkId.dns(host),
    kind: 'dns',
    target: host,
    transport: null,
    code: r.code,
    message:
      r.code === ProtocolCode.OK
        ? literal
          ? `${host} is an IP address; no lookup needed`
          : `${host} resolves to ${[...r.v4, ...r.v6].join(', ')}`
        : r.code === ProtocolCode.DNS_NOT_FOUND
          ? `${host} does not resolve (no A or AAAA record)`
          : `resolving ${host} failed (${r.errors.map((e) => e.code).join(', ')})`,
    durationMs: r.durationMs,
    details: { a: r.v4, aaaa: r.v6, ipLiteral: literal, errors: r.errors },
  });
}
