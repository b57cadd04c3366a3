/** The browser's TLS 701, read again with the TLS probe of the same host:port (src/run/refine-gather.ts). */
import { describe, expect, it } from 'vitest';
import { refineTlsGathers } from '../../../src/run/refine-gather.js';
import { parseIceUri } from '../../../src/core/uri.js';
import type { Check } from '../../../src/core/schema.js';
import type { ServerSpec } from '../../../src/config/config.js';

const URL = 'turns:turn.example.com:5349?transport=tcp';
const parsed = parseIceUri(URL);
if (!parsed.ok) throw new Error(parsed.problem);
const server: ServerSpec = { url: URL, uri: parsed.uri, username: 'u', credential: 'p', credentialSource: 'given', origin: 'test' };

const gather = (): Check => ({ id: `gather:${URL}`, kind: 'gather', target: URL, transport: 'tls', status: 'fail', code: 'TLS_CERT_REJECTED', message: '701', durationMs: 100, details: { errors: [{ errorCode: 701 }] } });
const tls = (code: string): Check => ({ id: 'tls-handshake:turn.example.com:5349', kind: 'tls-handshake', target: 'turn.example.com:5349', transport: 'tls', status: code === 'OK' ? 'pass' : 'fail', code, message: '', durationMs: 5, details: {} });

const after = (tlsCode: string | null) => refineTlsGathers([gather(), ...(tlsCode ? [tls(tlsCode)] : [])], [server]).find((c) => c.kind === 'gather')!;

describe('refineTlsGathers', () => {
  it.each(['CONNECTION_REFUSED', 'TIMEOUT', 'NETWORK_UNREACHABLE', 'CONNECTION_RESET'])('a %s port is SERVER_UNREACHABLE, never TLS_CERT_REJECTED', (code) => {
    const g = after(code);
    expect(g.code).toBe('SERVER_UNREACHABLE');
    expect(g.details).toMatchObject({ browserCode: 'TLS_CERT_REJECTED', refinedBy: 'tls-handshake:turn.example.com:5349' });
  });
  it('TCP open, no TLS → TLS_HANDSHAKE_FAILED', () => {
    expect(after('TLS_HANDSHAKE_FAILED').code).toBe('TLS_HANDSHAKE_FAILED');
  });
  it.each(['OK', 'TLS_CERT_SELF_SIGNED', 'TLS_CERT_EXPIRED', 'TLS_CERT_HOSTNAME_MISMATCH'])('a TLS server that answered (%s) keeps TLS_CERT_REJECTED', (code) => {
    expect(after(code).code).toBe('TLS_CERT_REJECTED');
  });
  it('without a TLS probe nothing changes', () => {
    expect(after(null)).toEqual(gather());
  });
});

describe('refineTlsGathers with Firefox (--browser all)', () => {
  it('refines Firefox\'s gather check (…@firefox) alike, and Chromium\'s next to it', () => {
    const ff: Check = { ...gather(), id: `gather:${URL}@firefox` };
    const out = refineTlsGathers([gather(), ff, tls('CONNECTION_REFUSED')], [server]);
    expect(out.find((c) => c.id === `gather:${URL}@firefox`)?.code).toBe('SERVER_UNREACHABLE');
    expect(out.find((c) => c.id === `gather:${URL}`)?.code).toBe('SERVER_UNREACHABLE');
  });
});
