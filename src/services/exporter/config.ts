/**
 * The exporter's configuration file (JSON, or YAML for `.yaml`/`.yml`; was: refused until a YAML
 * parser is a dependency): modules, the in-flight bound, the timeout offset and the warm browser.
 *
 *   {
 *     "maxInFlight": 8,
 *     "timeoutOffsetSeconds": 0.5,
 *     "browser": { "maxProbes": 500, "maxRssMb": 1024, "insecureTls": false },
 *     "modules": {
 *       "turn_eu": { "prober": "turn", "transport": "udp", "timeoutSeconds": 5,
 *                    "credentials": { "type": "rest", "secretEnv": "TURN_SECRET", "user": "probe" } },
 *       "gather_firefox": { "prober": "gather", "browser": "firefox" }
 *     }
 *   }
 *
 * Validated in full before it replaces the running one: every problem is reported with its path
 * (a reload that fails keeps the old config serving). Secrets may sit in the file (type static /
 * rest.secret) but are better in the environment (type env, rest.secretEnv).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { FILE_LIMITS, FileRefused, readRegularFile } from '../../core/files.js';
import { z } from 'zod';
import { ConfigError, readFailure } from '../../core/errors.js';
import type { EngineName } from '../../core/ids.js';
import { BUILTIN_MODULES, PROBERS, isBrowserProber, type CredentialSource, type ExporterModule } from './modules.js';
import { DEFAULT_TIMEOUT_OFFSET_S } from './timeout.js';

export const DEFAULT_MAX_IN_FLIGHT = 8;
export const DEFAULT_BROWSER_MAX_PROBES = 500;
export const DEFAULT_BROWSER_MAX_RSS_MB = 1_024;

/** The engines a browser module can run in (src/browser/engine.ts). */
const BROWSER_ENGINES = ['chromium', 'firefox'] as const satisfies readonly EngineName[];

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)');

const Credentials = z.discriminatedUnion('type', [
  z.object({ type: z.literal('static'), username: z.string().min(1), password: z.string().min(1, 'an empty password; give the TURN password') }).strict(),
  z.object({ type: z.literal('env'), usernameEnv: EnvName, passwordEnv: EnvName }).strict(),
  z
    .object({
      type: z.literal('rest'),
      secret: z.string().min(1, 'an empty secret; give the TURN REST shared secret').optional(),
      secretEnv: EnvName.optional(),
      user: z.string().min(1).default('iceprobe'),
      /** Lifetime of each minted credential; one probe needs seconds. */
      ttlSeconds: z.number().int().min(60).max(86_400).default(600),
    })
    .strict()
    .refine((c) => (c.secret === undefined) !== (c.secretEnv === undefined), { message: 'give exactly one of "secret" and "secretEnv"' }),
  z.object({ type: z.literal('none') }).strict(),
]);

const ModuleSchema = z
  .object({
    prober: z.enum(PROBERS),
    scheme: z.enum(['stun', 'turn', 'turns']).optional(),
    transport: z.enum(['udp', 'tcp']).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
    timeoutSeconds: z.number().min(0.1).max(120).optional(),
    credentials: Credentials.optional(),
    /** PEM file of a CA the TLS probe trusts (a private PKI, a lab). */
    caFile: z.string().min(1).optional(),
    expectedRealm: z.string().min(1).optional(),
    callDurationSeconds: z.number().min(0.5).max(30).optional(),
    /** The engine of a gather or call module (default chromium). */
    browser: z.enum(BROWSER_ENGINES, { error: (i) => `${JSON.stringify(i.input)} is not a browser engine; use ${BROWSER_ENGINES.map((e) => `"${e}"`).join(' or ')}` }).optional(),
  })
  .strict();

export const ExporterConfigSchema = z
  .object({
    maxInFlight: z.number().int().min(1).max(1_024).optional(),
    timeoutOffsetSeconds: z.number().min(0).max(10).optional(),
    browser: z
      .object({
        chromiumPath: z.string().min(1).optional(),
        /** The Firefox binary for modules with "browser": "firefox" (default: the well-known locations, Debian's firefox-esr first). */
        firefoxPath: z.string().min(1).optional(),
        /** Accept self-signed TURNS certificates in the browser (labs only). */
        insecureTls: z.boolean().optional(),
        /** Replace the warm browser after this many probes. */
        maxProbes: z.number().int().min(1).optional(),
        /** Replace it when its processes together use more than this (Linux, /proc). */
        maxRssMb: z.number().int().min(64).optional(),
      })
      .strict()
      .optional(),
    modules: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'module names are lower case letters, digits and _'), ModuleSchema).optional(),
  })
  .strict();
export type ExporterConfigFile = z.infer<typeof ExporterConfigSchema>;

export interface ExporterConfig {
  /** Where it came from ('built-in' without --config). */
  source: string;
  modules: ReadonlyMap<string, ExporterModule>;
  maxInFlight: number;
  timeoutOffsetS: number;
  /** The warm browsers' settings; maxProbes and maxRssBytes bound each engine's browser on its own. */
  browser: { chromiumPath: string | undefined; firefoxPath: string | undefined; insecureTls: boolean; maxProbes: number; maxRssBytes: number };
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}; remove or fix the spelling`;
  return i.message;
}

/** Parses file text by its extension: `.yaml`/`.yml` as YAML 1.2 (JSON is YAML too), else JSON. */
export function parseConfigText(text: string, label: string): unknown {
  if (/\.ya?ml$/i.test(label)) {
    // Strict: a duplicate key is an error, not a guess; alias expansion is bounded (billion laughs).
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new ConfigError(doc.errors.map((e) => `${label}: not valid YAML (${e.message.split('\n')[0] ?? e.code}); fix the syntax`));
    }
    return doc.toJS({ maxAliasCount: 100 });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${label}: not valid JSON (${(e as Error).message}); fix the syntax`]);
  }
}

/** Shape and meaning; every problem at once. `readPem` is injected so tests need no files. */
export function buildExporterConfig(json: unknown, label: string, readPem: (path: string) => string = (p) => readFileSync(p, 'utf8')): ExporterConfig {
  const r = ExporterConfigSchema.safeParse(json);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${label}: ${pathOf(i.path)}: ${issueText(i)}`));
  const file = r.data;
  const problems: string[] = [];
  const modules = new Map<string, ExporterModule>(BUILTIN_MODULES.map((m) => [m.name, m]));
  for (const [name, m] of Object.entries(file.modules ?? {})) {
    const builtin = modules.get(name);
    const defaults = BUILTIN_MODULES.find((b) => b.prober === m.prober) ?? builtin;
    if (!defaults) throw new Error(`internal: no built-in for prober ${m.prober}`);
    const scheme = m.scheme ?? (m.prober === 'stun' ? 'stun' : m.prober === 'tls' ? 'turns' : defaults.scheme);
    if (m.prober === 'stun' && scheme !== 'stun') problems.push(`${label}: modules.${name}.scheme: the stun prober writes stun: URLs; drop "scheme" or use prober turn`);
    if ((m.prober === 'turn' || m.prober === 'relay' || m.prober === 'call') && scheme === 'stun') problems.push(`${label}: modules.${name}.scheme: prober ${m.prober} needs turn or turns`);
    if (m.browser !== undefined && !isBrowserProber(m.prober)) problems.push(`${label}: modules.${name}.browser: prober ${m.prober} runs in Node, not in a browser; "browser" applies to the gather and call probers only`);
    const extraCa: string[] = [];
    if (m.caFile !== undefined) {
      try {
        const pem = readPem(m.caFile);
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${label}: modules.${name}.caFile ${m.caFile}: no PEM certificate in it`);
        else extraCa.push(pem);
      } catch (e) {
        problems.push(`${label}: modules.${name}.caFile ${m.caFile}: ${readFailure(e)}`);
      }
    }
    const needsCreds = m.prober === 'turn' || m.prober === 'relay' || m.prober === 'call' || ((m.prober === 'gather') && scheme !== 'stun');
    const credentials: CredentialSource = m.credentials ?? (needsCreds ? (builtin?.credentials ?? defaults.credentials) : { type: 'none' });
    modules.set(name, {
      name,
      prober: m.prober,
      scheme,
      transport: scheme === 'turns' ? 'tcp' : (m.transport ?? defaults.transport),
      port: m.port ?? (scheme === 'turns' ? 5349 : defaults.port),
      timeoutMs: Math.round((m.timeoutSeconds ?? defaults.timeoutMs / 1000) * 1000),
      credentials,
      extraCa,
      ...(m.expectedRealm !== undefined ? { expectedRealm: m.expectedRealm } : {}),
      callDurationS: m.callDurationSeconds ?? defaults.callDurationS,
      browser: isBrowserProber(m.prober) ? (m.browser ?? 'chromium') : null,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const b = file.browser ?? {};
  return {
    source: label,
    modules,
    maxInFlight: file.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    timeoutOffsetS: file.timeoutOffsetSeconds ?? DEFAULT_TIMEOUT_OFFSET_S,
    browser: {
      chromiumPath: b.chromiumPath,
      firefoxPath: b.firefoxPath,
      insecureTls: b.insecureTls ?? false,
      maxProbes: b.maxProbes ?? DEFAULT_BROWSER_MAX_PROBES,
      maxRssBytes: (b.maxRssMb ?? DEFAULT_BROWSER_MAX_RSS_MB) * 1024 * 1024,
    },
  };
}

/** The config to serve: the file's, or the built-ins alone. Throws ConfigError. */
export function loadExporterConfig(path: string | undefined): ExporterConfig {
  if (path === undefined) return buildExporterConfig({}, 'built-in');
  let text: string;
  try {
    text = readRegularFile(path, FILE_LIMITS.configBytes);
  } catch (e) {
    throw new ConfigError([`--config ${path}: ${e instanceof FileRefused ? e.message : readFailure(e)}; pass the path of the exporter's JSON or YAML config`]);
  }
  return buildExporterConfig(parseConfigText(text, path), path);
}

/** What a module's credentials are, for debug output and logs: never a value, only where from. */
export function describeCredentials(c: CredentialSource): string {
  switch (c.type) {
    case 'none':
      return 'none';
    case 'static':
      return `static (username ${c.username}, password from the config file)`;
    case 'env':
      return `from the environment ($${c.usernameEnv}, $${c.passwordEnv})`;
    case 'rest':
      return `TURN REST, minted per probe for user ${c.user} (secret ${c.secretEnv !== undefined ? `from $${c.secretEnv}` : 'from the config file'}, ttl ${c.ttlSeconds} s)`;
  }
}

/** A module as debug output shows it: every setting, credentials described but never given. */
export function describeModule(m: ExporterModule): string {
  return [
    `module ${m.name}: prober ${m.prober}${m.browser !== null ? ` in ${m.browser}` : ''}, ${m.scheme}: over ${m.transport}, default port ${m.port}, timeout ${m.timeoutMs / 1000} s`,
    `  credentials: ${describeCredentials(m.credentials)}`,
    ...(m.extraCa.length > 0 ? [`  extra CA certificates: ${m.extraCa.length}`] : []),
    ...(m.expectedRealm !== undefined ? [`  expected realm: ${m.expectedRealm}`] : []),
    ...(m.prober === 'call' ? [`  call duration: ${m.callDurationS} s`] : []),
  ].join('\n');
}
