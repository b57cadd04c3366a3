/**
 * Modules: what one /probe?module=NAME runs. A module names a prober (which of iceprobe's
 * probes), how a bare `host[:port]` target becomes an ICE URL, its timeout and its credentials.
 * The built-ins cover the usual questions; a config file adds modules or replaces a built-in
 * by using its name.
 */
import type { EngineName } from '../../core/ids.js';
import { DEFAULT_PORT, DEFAULT_TLS_PORT, formatHost, parseIceUri, type IceUri } from '../../core/uri.js';

/**
 * stun   STUN Binding (src/probes-node/stun-binding.ts)
 * turn   TURN Allocate with the 401 round trip and Refresh(0) (turn-allocate.ts), plus the TLS
 *        handshake for turns:
 * relay  TURN Allocate, then datagrams both ways between the relayed address and an outside UDP
 *        socket (relay-reach.ts): relay ports firewalled or a wrong external-ip fail here while
 *        Allocate and even a relay-forced loopback call pass
 * tls    TLS handshake and certificate chain only (tls-handshake.ts)
 * gather headless-browser candidate gathering for the URL (src/browser/gather.ts)
 * call   a relay-forced two-peer call through the URL: setup time, RTT, throughput (src/browser/calls.ts)
 * The two browser probers run in the module's `browser` engine (Chromium unless it says firefox).
 */
export const PROBERS = ['stun', 'turn', 'relay', 'tls', 'gather', 'call'] as const;
export type Prober = (typeof PROBERS)[number];
export const BROWSER_PROBERS = ['gather', 'call'] as const satisfies readonly Prober[];

export function isBrowserProber(p: Prober): p is (typeof BROWSER_PROBERS)[number] {
  return (BROWSER_PROBERS as readonly Prober[]).includes(p);
}

export type CredentialSource =
  | { type: 'none' }
  | { type: 'static'; username: string; password: string }
  | { type: 'env'; usernameEnv: string; passwordEnv: string }
  | { type: 'rest'; secret?: string | undefined; secretEnv?: string | undefined; user: string; ttlSeconds: number };

export interface ExporterModule {
  name: string;
  prober: Prober;
  /** How a bare host[:port] target is written as a URL; a target that is a URL keeps its own. */
  scheme: 'stun' | 'turn' | 'turns';
  transport: 'udp' | 'tcp';
  port: number;
  /** Upper bound of one probe; a shorter scrape timeout wins (timeout.ts). */
  timeoutMs: number;
  credentials: CredentialSource;
  /** PEM certificates the Node-side TLS connections trust besides the system store. */
  extraCa: string[];
  /** A different REALM is TURN_REALM_MISMATCH. */
  expectedRealm?: string | undefined;
  /** Seconds of data per call (call prober). */
  callDurationS: number;
  /** The engine a browser prober (gather, call) runs in; null for the Node-side probers. */
  browser: EngineName | null;
}

/** The same environment variables `iceprobe check` reads. */
export const DEFAULT_ENV_CREDENTIALS: CredentialSource = { type: 'env', usernameEnv: 'ICEPROBE_USERNAME', passwordEnv: 'ICEPROBE_CREDENTIAL' };

const base = { extraCa: [], callDurationS: 2, credentials: { type: 'none' } as CredentialSource, browser: null };

export const BUILTIN_MODULES: readonly ExporterModule[] = [
  { ...base, name: 'stun', prober: 'stun', scheme: 'stun', transport: 'udp', port: DEFAULT_PORT, timeoutMs: 5_000 },
  { ...base, name: 'turn_udp', prober: 'turn', scheme: 'turn', transport: 'udp', port: DEFAULT_PORT, timeoutMs: 5_000, credentials: DEFAULT_ENV_CREDENTIALS },
  { ...base, name: 'turn_tcp', prober: 'turn', scheme: 'turn', transport: 'tcp', port: DEFAULT_PORT, timeoutMs: 5_000, credentials: DEFAULT_ENV_CREDENTIALS },
  { ...base, name: 'turns', prober: 'turn', scheme: 'turns', transport: 'tcp', port: DEFAULT_TLS_PORT, timeoutMs: 5_000, credentials: DEFAULT_ENV_CREDENTIALS },
  // Allocate (≤ t), permission and both directions (≤ t + 2 × 1 s of waiting): 8 s fits t ≈ 2.6 s.
  { ...base, name: 'relay', prober: 'relay', scheme: 'turn', transport: 'udp', port: DEFAULT_PORT, timeoutMs: 8_000, credentials: DEFAULT_ENV_CREDENTIALS },
  { ...base, name: 'tls', prober: 'tls', scheme: 'turns', transport: 'tcp', port: DEFAULT_TLS_PORT, timeoutMs: 5_000 },
  { ...base, name: 'gather', prober: 'gather', scheme: 'turn', transport: 'udp', port: DEFAULT_PORT, timeoutMs: 10_000, credentials: DEFAULT_ENV_CREDENTIALS, browser: 'chromium' },
  { ...base, name: 'call', prober: 'call', scheme: 'turn', transport: 'udp', port: DEFAULT_PORT, timeoutMs: 20_000, credentials: DEFAULT_ENV_CREDENTIALS, browser: 'chromium' },
];

export type TargetResult = { ok: true; uri: IceUri } | { ok: false; problem: string };

const URL_SCHEME = /^(stuns?|turns?):/i;
/** host, host:port, [v6], [v6]:port; a bare IPv6 literal without brackets (no port) too. */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]/?#@\s]+))(?::(\d{1,5}))?$/;

/** The ICE URL one probe of `module` tests for `target` (a URL, or host[:port] written per the module). */
export function targetUri(module: ExporterModule, target: string): TargetResult {
  const t = target.trim();
  if (t === '') return { ok: false, problem: 'target is empty; give host[:port] or an ICE URL such as turn:turn.example.com:3478?transport=udp' };
  let url: string;
  if (URL_SCHEME.test(t)) url = t;
  else {
    const bareV6 = t.includes(':') && /^[0-9A-Fa-f:.]+$/.test(t) && (t.match(/:/g) ?? []).length > 1;
    const m = bareV6 ? ['', t, undefined, undefined] : HOST_PORT.exec(t);
    if (!m) return { ok: false, problem: `target ${JSON.stringify(t)}: write host[:port], [ipv6]:port or an ICE URL` };
    const host = m[1] ?? m[2] ?? '';
    const port = m[3] ?? String(module.port);
    url = `${module.scheme}:${formatHost(host)}:${port}${module.scheme === 'turn' ? `?transport=${module.transport}` : ''}`;
  }
  const parsed = parseIceUri(url);
  if (!parsed.ok) return { ok: false, problem: `target: ${parsed.problem}` };
  const uri = parsed.uri;
  const fits: Record<Prober, boolean> = {
    stun: !uri.isTurn,
    turn: uri.isTurn,
    relay: uri.isTurn,
    tls: uri.transport === 'tls',
    gather: true,
    call: uri.isTurn,
  };
  if (!fits[module.prober]) {
    const want = { stun: 'a stun: or stuns: URL', turn: 'a turn: or turns: URL', relay: 'a turn: or turns: URL', tls: 'a stuns: or turns: URL (or host[:port])', gather: '', call: 'a turn: or turns: URL' }[module.prober];
    return { ok: false, problem: `module ${module.name} (prober ${module.prober}) needs ${want}; got ${uri.canonical}` };
  }
  return { ok: true, uri };
}
