/**
 * Configuration: staged validation, every problem reported at once with its path.
 *
 *   stage 1  read + parse JSON        (file missing/unreadable/garbled → one problem, stop)
 *   stage 2  shape, with zod          (all issues, each with its JSON path)
 *   stage 3  meaning                  (each URL parsed; credentials present for turn:)
 *
 * Accepts the browser's own RTCConfiguration shape ({"iceServers":[…]}, other RTCConfiguration
 * members tolerated) plus iceprobe's settings under "iceprobe". Secrets come from the config or
 * from the environment and are registered with `Secrets` so they can be redacted everywhere.
 */
import { z } from 'zod';
import { ConfigError, echoInput, readFailure } from '../core/errors.js';
import { FILE_LIMITS, readRegularFile } from '../core/files.js';
import { TurnRestSecret } from '../core/credentials.js';
import { CHECK_CALL_DURATION_S, DEFAULT_TIMEOUT_MS, PATH_QUALITY_DEFAULTS, REST_CREDENTIAL_TTL_S } from '../core/defaults.js';
import { Secrets } from '../core/redact.js';
import { parseIceUri, type IceUri } from '../core/uri.js';
import type { EngineName } from '../core/ids.js';

/** The value of --browser. */
export const BROWSER_CHOICES = ['chromium', 'firefox', 'all'] as const;
export type BrowserChoice = (typeof BROWSER_CHOICES)[number];
const ALL_ENGINES: readonly EngineName[] = ['chromium', 'firefox'];

/** --browser / "browsers" → the engines, in a fixed order (Chromium first); problems are pushed. */
export function resolveBrowsers(v: string | readonly string[] | undefined, problems: string[]): EngineName[] {
  const given = v === undefined ? ['chromium'] : typeof v === 'string' ? [v] : [...v];
  const out = new Set<EngineName>();
  for (const g of given) {
    if (g === 'all') ALL_ENGINES.forEach((e) => out.add(e));
    else if ((ALL_ENGINES as readonly string[]).includes(g)) out.add(g as EngineName);
    else problems.push(`--browser ${g}: unknown browser; use ${BROWSER_CHOICES.join(', ')}`);
  }
  return ALL_ENGINES.filter((e) => out.has(e));
}

/** Bounds of a path-quality burst: below 10 a loss figure means nothing; 5000 at 5 ms spacing is 25 s. */
export const LOSS_PROBES_MIN = 10;
export const LOSS_PROBES_MAX = 5_000;

const IceServerSchema = z
  .object({
    urls: z.union([z.string(), z.array(z.string()).min(1, 'give at least one URL')]),
    username: z.string().optional(),
    credential: z.string().optional(),
    credentialType: z.literal('password').optional(),
  })
  .strict();

export const IceprobeSettingsSchema = z
  .object({
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
    insecureTls: z.boolean().optional(),
    turnSecret: z.string().min(1).optional(),
    turnSecretUser: z.string().min(1).optional(),
    calls: z.boolean().optional(),
    durationS: z.number().min(0.5).max(120).optional(),
    /** STUN Bindings per path-quality burst (loss/jitter); more gives a tighter loss estimate. */
    lossProbes: z.number().int().min(LOSS_PROBES_MIN).max(LOSS_PROBES_MAX).optional(),
    media: z.boolean().optional(),
    protocol: z.boolean().optional(),
    expect: z.array(z.string()).optional(),
    strict: z.boolean().optional(),
    chromiumPath: z.string().optional(),
    /** Which engines run the in-browser probes: "chromium" (default), "firefox", "all" or a list. */
    browsers: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    firefoxPath: z.string().optional(),
    /** PEM file of a private CA your users' browsers trust (enterprise PKI, a lab): the TLS probe trusts it too. */
    caFile: z.string().optional(),
  })
  .strict();

export const ConfigFileSchema = z.looseObject({
  iceServers: z.array(IceServerSchema).optional(),
  iceTransportPolicy: z.enum(['all', 'relay']).optional(),
  iceprobe: IceprobeSettingsSchema.optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** What the command line (or a library caller) gives. Everything optional. */
export interface ConfigInput {
  urls?: readonly string[];
  username?: string;
  credential?: string;
  turnSecret?: string;
  configPath?: string;
  /** An already-parsed config object (library use), instead of configPath. */
  config?: unknown;
  timeoutMs?: number;
  insecureTls?: boolean;
  calls?: boolean;
  durationS?: number;
  /** The call duration when neither the flag nor the file sets one. Default CHECK_CALL_DURATION_S. */
  defaultDurationS?: number;
  lossProbes?: number;
  media?: boolean;
  protocol?: boolean;
  expect?: readonly string[];
  strict?: boolean;
  chromiumPath?: string;
  /** Which engines run the in-browser probes (default chromium); "all" is every engine. */
  browsers?: BrowserChoice | readonly EngineName[];
  firefoxPath?: string;
  caFile?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export interface ServerSpec {
  /** As the user wrote it. */
  url: string;
  uri: IceUri;
  username: string | null;
  /** Secret. Never printed; registered with Secrets. */
  credential: string | null;
  credentialSource: 'none' | 'given' | 'minted';
  /**
   * The TURN REST user a minted credential is for (the username without its expiry): set when the
   * config minted it, so a later stage mints afresh with ResolvedConfig.turnSecret instead of
   * taking the username apart.
   */
  restUser?: string;
  /** Where it came from, for error messages: "--url #1" or "config.json: iceServers[0].urls[1]". */
  origin: string;
}

export interface ResolvedConfig {
  servers: ServerSpec[];
  timeoutMs: number;
  insecureTls: boolean;
  calls: boolean;
  durationS: number;
  /** STUN Bindings per path-quality burst. */
  lossProbes: number;
  media: boolean;
  protocol: boolean;
  expect: string[];
  strict: boolean;
  chromiumPath: string | undefined;
  /** The engines that run the in-browser probes, Chromium first when it is one of them. */
  browsers: EngineName[];
  firefoxPath: string | undefined;
  /** PEM certificates the protocol probes trust in addition to the system store. */
  extraCa: string[];
  /**
   * The TURN REST shared secret, when one was given (flag, file or environment): it mints, it
   * cannot be read back or serialized. `iceprobe serve` mints per visit with it.
   */
  turnSecret: TurnRestSecret | null;
  secrets: Secrets;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** Stage 1 + 2: read, parse and shape-check a config file. */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readRegularFile(path, FILE_LIMITS.configBytes);
  } catch (e) {
    throw new ConfigError([`--config ${echoInput(path)}: ${readFailure(e)}; pass the path of a JSON file like {"iceServers":[{"urls":"stun:stun.example.com"}]}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`--config ${echoInput(path)}: not valid JSON (${echoInput((e as Error).message)}); fix the syntax`]);
  }
  return parseConfigObject(json, echoInput(path));
}

export function parseConfigObject(json: unknown, label: string): ConfigFile {
  const r = ConfigFileSchema.safeParse(json);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${label}: ${pathOf(i.path)}: ${describeIssue(i)}`));
}

function describeIssue(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}; remove or fix the spelling`;
  if (i.code === 'invalid_type') return `expected ${i.expected}`;
  return i.message;
}

/** Stage 3, and merge of flags, file and environment. Throws ConfigError with every problem. */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const env = input.env ?? process.env;
  const now = input.now ?? Date.now;
  const problems: string[] = [];
  const secrets = new Secrets();

  let file: ConfigFile = {};
  let fileLabel = 'config';
  if (input.configPath !== undefined) {
    file = loadConfigFile(input.configPath);
    fileLabel = echoInput(input.configPath);
  } else if (input.config !== undefined) {
    file = parseConfigObject(input.config, 'config');
  }
  const s = file.iceprobe ?? {};

  // An empty secret is an unset variable (`--turn-secret "$SECRET"` in CI), not a credential to
  // try: it would mint keys the server refuses and surface much later as TURN_AUTH_FAILED.
  const empty = [
    input.turnSecret === '' ? '--turn-secret is empty (an unset variable?): give the TURN REST shared secret, or drop the flag' : null,
    input.credential === '' ? '--credential is empty (an unset variable?): give the TURN password, or drop the flag' : null,
    input.turnSecret === undefined && s.turnSecret === undefined && env.ICEPROBE_TURN_SECRET === '' ? 'ICEPROBE_TURN_SECRET is set but empty (an unset CI secret?): give the shared secret, or unset it' : null,
  ].filter((p): p is string => p !== null);
  if (empty.length > 0) throw new ConfigError(empty);
  const secretText = input.turnSecret ?? s.turnSecret ?? env.ICEPROBE_TURN_SECRET ?? undefined;
  const turnSecret = secretText !== undefined ? new TurnRestSecret(secretText) : null;
  const envUser = env.ICEPROBE_USERNAME || undefined;
  const envCred = env.ICEPROBE_CREDENTIAL || undefined;
  secrets.add(secretText);
  secrets.add(input.credential);
  secrets.add(envCred);

  interface Raw { url: string; username?: string | undefined; credential?: string | undefined; origin: string }
  const raws: Raw[] = [];
  (input.urls ?? []).forEach((url, i) => raws.push({ url, username: input.username, credential: input.credential, origin: `--url #${i + 1}` }));
  (file.iceServers ?? []).forEach((srv, i) => {
    const urls = typeof srv.urls === 'string' ? [srv.urls] : srv.urls;
    secrets.add(srv.credential);
    urls.forEach((url, j) => {
      raws.push({
        url,
        username: srv.username ?? input.username,
        credential: srv.credential ?? input.credential,
        origin: `${fileLabel}: iceServers[${i}].urls${typeof srv.urls === 'string' ? '' : `[${j}]`}`,
      });
    });
  });
  if ((input.urls ?? []).length === 0 && (file.iceServers ?? []).length === 0 && input.username !== undefined) {
    problems.push('--username was given without any --url; add --url turn:host:port or drop --username');
  }

  const servers: ServerSpec[] = [];
  const seen = new Set<string>();
  for (const raw of raws) {
    const parsed = parseIceUri(raw.url);
    if (!parsed.ok) {
      problems.push(`${raw.origin}: ${parsed.problem}`);
      continue;
    }
    const uri = parsed.uri;
    if (seen.has(uri.canonical)) continue; // the same server twice checks nothing new
    seen.add(uri.canonical);
    let username: string | null = null;
    let credential: string | null = null;
    let credentialSource: ServerSpec['credentialSource'] = 'none';
    let restUser: string | undefined;
    if (uri.isTurn) {
      const u = raw.username ?? envUser;
      const c = raw.credential ?? envCred;
      if (u !== undefined && c !== undefined) {
        username = u;
        credential = c;
        credentialSource = 'given';
      } else if (turnSecret !== null) {
        restUser = u ?? s.turnSecretUser ?? 'iceprobe';
        const minted = turnSecret.mint(restUser, now(), REST_CREDENTIAL_TTL_S);
        username = minted.username;
        credential = minted.credential;
        credentialSource = 'minted';
      } else if (u !== undefined) {
        problems.push(`${raw.origin}: ${uri.canonical} has a username but no credential; pass --credential or set ICEPROBE_CREDENTIAL`);
        continue;
      } else {
        problems.push(
          `${raw.origin}: ${uri.canonical} needs credentials; pass --username and --credential, set ICEPROBE_USERNAME/ICEPROBE_CREDENTIAL, or give --turn-secret for TURN REST credentials`,
        );
        continue;
      }
      secrets.add(credential);
    }
    servers.push({ url: raw.url, uri, username, credential, credentialSource, ...(restUser !== undefined ? { restUser } : {}), origin: raw.origin });
  }

  const timeoutMs = input.timeoutMs ?? s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    problems.push(`--timeout ${timeoutMs}: must be between 100 and 120000 ms`);
  }
  const durationS = input.durationS ?? s.durationS ?? input.defaultDurationS ?? CHECK_CALL_DURATION_S;
  if (!Number.isFinite(durationS) || durationS < 0.5 || durationS > 120) {
    problems.push(`--duration ${durationS}: must be between 0.5 and 120 seconds`);
  }
  const lossProbes = input.lossProbes ?? s.lossProbes ?? PATH_QUALITY_DEFAULTS.count;
  if (!Number.isInteger(lossProbes) || lossProbes < LOSS_PROBES_MIN || lossProbes > LOSS_PROBES_MAX) {
    problems.push(`--loss-probes ${lossProbes}: must be a whole number between ${LOSS_PROBES_MIN} and ${LOSS_PROBES_MAX}`);
  }

  const extraCa: string[] = [];
  const caFile = input.caFile ?? s.caFile;
  if (caFile !== undefined) {
    try {
      const pem = readRegularFile(caFile, FILE_LIMITS.configBytes);
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`--ca-file ${echoInput(caFile)}: no PEM certificate in it; give a file with -----BEGIN CERTIFICATE----- blocks`);
      else extraCa.push(pem);
    } catch (e) {
      problems.push(`--ca-file ${echoInput(caFile)}: ${readFailure(e)}; give the path of a PEM CA certificate`);
    }
  }

  const browsers = resolveBrowsers(input.browsers ?? s.browsers, problems);

  if (problems.length > 0) throw new ConfigError(problems.map((p) => secrets.redact(p)));

  return {
    servers,
    timeoutMs,
    insecureTls: input.insecureTls ?? s.insecureTls ?? false,
    calls: input.calls ?? s.calls ?? true,
    durationS,
    lossProbes,
    media: input.media ?? s.media ?? false,
    protocol: input.protocol ?? s.protocol ?? true,
    expect: [...(s.expect ?? []), ...(input.expect ?? [])],
    strict: input.strict ?? s.strict ?? false,
    chromiumPath: input.chromiumPath ?? s.chromiumPath ?? env.ICEPROBE_CHROMIUM ?? undefined,
    browsers: browsers.length > 0 ? browsers : ['chromium'],
    firefoxPath: input.firefoxPath ?? s.firefoxPath ?? env.ICEPROBE_FIREFOX ?? undefined,
    extraCa,
    turnSecret,
    secrets,
  };
}

/** The config echo that goes into a report: no credential, ever. */
export function echoServers(servers: readonly ServerSpec[]) {
  return servers.map((s) => ({
    url: s.uri.canonical,
    scheme: s.uri.scheme,
    host: s.uri.host,
    port: s.uri.port,
    transport: s.uri.transport,
    username: s.username,
    credential: s.credentialSource,
  }));
}
