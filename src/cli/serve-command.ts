/**
 * `iceprobe serve`: host the probe page for people's browsers; store what they measure.
 *
 *   iceprobe serve [--config ice.json] [--port 8080] [--host 127.0.0.1] [--tls-cert c --tls-key k]
 *                  [--reports-dir ./iceprobe-reports] [--token T]…
 *
 * With no servers configured it tests an embedded local coturn (as `check` does). Prints the
 * link(s) to send, then one line per stored report, and runs until Ctrl-C.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Argv, ArgumentsCamelCase, InferredOptionTypes } from 'yargs';
import { UsageError, echoInput, readFailure } from '../core/errors.js';
import { DEFAULT_TIMEOUT_MS, VISIT_CALL_DURATION_S } from '../core/defaults.js';
import { FILE_LIMITS, readRegularFile } from '../core/files.js';
import { DEFAULT_SERVE_LIMITS } from '../services/serve/defaults.js';
import type { ServeServer } from '../services/serve/server.js';
import { hostPort, listenFailure, type ServiceDef } from '../services/service.js';
import type { Io } from './io.js';
import { serverConfigInput } from './server-args.js';

const options = {
  config: { type: 'string', describe: 'JSON file in RTCConfiguration shape: {"iceServers":[…], "iceprobe":{…}}; default: an embedded local coturn' },
  url: { type: 'string', array: true, describe: 'A stun:, turn: or turns: URL to test (instead of or besides --config); repeatable' },
  username: { type: 'string', describe: 'TURN username for --url servers (or ICEPROBE_USERNAME)' },
  credential: { type: 'string', describe: 'TURN password for --url servers (or ICEPROBE_CREDENTIAL); sent to visitors\' browsers, which need it' },
  'turn-secret': { type: 'string', describe: 'TURN REST shared secret (or ICEPROBE_TURN_SECRET): visitors get credentials minted per visit, never the secret' },
  port: { type: 'number', default: 8080, describe: 'Port to listen on (0: a free one, printed)' },
  host: { type: 'string', default: '127.0.0.1', describe: 'Address to bind (0.0.0.0 for every interface)' },
  'tls-cert': { type: 'string', describe: 'PEM certificate: serve HTTPS (browsers allow camera/clipboard only on HTTPS or localhost)' },
  'tls-key': { type: 'string', describe: 'PEM private key for --tls-cert' },
  'reports-dir': { type: 'string', default: 'iceprobe-reports', describe: 'Where received reports are stored as <time>-<id>.json and .html' },
  token: { type: 'string', array: true, describe: 'A link token visitors must present (?t=…); repeatable, one per link' },
  'results-token': { type: 'string', describe: 'Turn on the operator\'s results page (/results, every stored report with a link to its HTML) behind this token (or ICEPROBE_RESULTS_TOKEN); at least 16 characters' },
  timeout: { type: 'number', describe: 'Bound per URL and per call setup, in ms', defaultDescription: String(DEFAULT_TIMEOUT_MS) },
  // No yargs default: it would hide the config file's "durationS" (the flag always "given").
  duration: { type: 'number', describe: 'Seconds of data per call direction', defaultDescription: String(VISIT_CALL_DURATION_S) },
  'both-ways': { type: 'boolean', default: true, describe: 'Also measure the echo peer → visitor direction (--no-both-ways to skip)' },
  'max-body': { type: 'number', default: DEFAULT_SERVE_LIMITS.maxBodyBytes, describe: 'Largest accepted request body, bytes' },
  rate: { type: 'number', default: DEFAULT_SERVE_LIMITS.requestsPerMinute, describe: 'API requests per client IP per minute' },
  'reports-per-token': { type: 'number', default: DEFAULT_SERVE_LIMITS.reportsPerToken, describe: 'Stored reports per link token (or in total without tokens)' },
  'chromium-path': { type: 'string', describe: 'Chromium/Chrome binary for the echo peer (or ICEPROBE_CHROMIUM)' },
} as const;

export function serveOptions(y: Argv) {
  return y
    .options(options)
    .example('$0 serve', 'Serve the test page against an embedded local coturn on http://127.0.0.1:8080/')
    .example('$0 serve --config ice.json --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem --token abc123', 'Send people https://your-host:8080/?t=abc123')
    .example('ICEPROBE_RESULTS_TOKEN=$(openssl rand -hex 16) $0 serve --config ice.json', 'Also list every stored result at /results (behind that token)');
}

export type ServeArgs = ArgumentsCamelCase<InferredOptionTypes<typeof options>>;

function readPem(flag: string, path: string, what: RegExp): string {
  let text: string;
  try {
    text = readRegularFile(path, FILE_LIMITS.configBytes);
  } catch (e) {
    throw new UsageError(`${flag} ${echoInput(path)}: ${readFailure(e)}; give the path of a PEM file`);
  }
  if (!what.test(text)) throw new UsageError(`${flag} ${echoInput(path)}: no PEM ${flag === '--tls-key' ? 'private key' : 'certificate'} in it; give a file with a -----BEGIN … block`);
  return text;
}

/** Both PEMs, proven to be a certificate and its key before anything starts. */
function readTls(certPath: string, keyPath: string): { cert: string; key: string } {
  const cert = readPem('--tls-cert', certPath, /-----BEGIN CERTIFICATE-----/);
  const key = readPem('--tls-key', keyPath, /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new UsageError(`--tls-cert/--tls-key: not a usable certificate and key (${echoInput((e as Error).message)}); give the certificate and its own private key`);
  }
  return { cert, key };
}

/** The reports directory exists (or is made) and is writable: checked before anything starts. */
function prepareReportsDir(dir: string): void {
  const fail = (why: string) => new UsageError(`--reports-dir ${echoInput(dir)}: ${why}; give a directory iceprobe may write to`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file, not a directory' : readFailure(e));
  }
  if (!statSync(dir).isDirectory()) throw fail('is a file, not a directory');
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw fail(readFailure(e));
  }
}

/**
 * serve as a service (src/services/service.ts) from parsed flags: every flag, file and the
 * config checked first (usage errors, exit 2); the ready line, the links and one stdout line per
 * stored report once it runs.
 */
export async function serveService(args: ServeArgs, env: NodeJS.ProcessEnv): Promise<ServiceDef<ServeServer>> {
  const port = args.port ?? 8080;
  const host = args.host ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be an integer 0-65535 (got ${String(args.port)})`);
  if ((args.tlsCert === undefined) !== (args.tlsKey === undefined)) throw new UsageError('give --tls-cert and --tls-key together');
  for (const [flag, v] of [['--max-body', args.maxBody], ['--rate', args.rate], ['--reports-per-token', args.reportsPerToken]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`${flag} must be a positive integer (got ${String(v)})`);
  }
  const tokens = (args.token ?? []).map(String);
  if (tokens.some((t) => t.length < 8 || !/^[A-Za-z0-9._~-]+$/.test(t))) {
    throw new UsageError('--token: use at least 8 URL-safe characters (letters, digits, . _ ~ -)');
  }
  const { resolveConfig } = await import('../config/config.js');
  // The config carries the TURN REST secret (it mints, it cannot be printed): serve mints per visit.
  const config = resolveConfig({ ...serverConfigInput(args), defaultDurationS: VISIT_CALL_DURATION_S, env });
  const tls = args.tlsCert !== undefined && args.tlsKey !== undefined ? readTls(args.tlsCert, args.tlsKey) : undefined;
  const reportsDir = args.reportsDir ?? 'iceprobe-reports';
  prepareReportsDir(reportsDir);
  const resultsToken = (args.resultsToken as string | undefined) ?? (env.ICEPROBE_RESULTS_TOKEN || undefined);
  if (resultsToken !== undefined && resultsToken.length < 16) throw new UsageError('--results-token (or ICEPROBE_RESULTS_TOKEN): use at least 16 characters; it guards every stored result');

  return {
    name: 'serve',
    secrets: config.secrets,
    start: async (log) => {
      // Loaded here, not at start-up: the browser stack is heavy and `--help` should be instant.
      const { startServe } = await import('../services/serve/server.js');
      try {
        return await startServe({
          servers: config.servers,
          turnSecret: config.turnSecret,
          host,
          port,
          tls,
          reportsDir,
          tokens,
          ...(resultsToken !== undefined ? { resultsToken } : {}),
          timeoutMs: config.timeoutMs,
          durationS: config.durationS,
          bothWays: args.bothWays ?? true,
          insecureTls: config.insecureTls,
          chromiumPath: config.chromiumPath,
          limits: {
            ...(args.maxBody !== undefined ? { maxBodyBytes: args.maxBody } : {}),
            ...(args.rate !== undefined ? { requestsPerMinute: args.rate } : {}),
            ...(args.reportsPerToken !== undefined ? { reportsPerToken: args.reportsPerToken } : {}),
          },
          log: (line) => log.event(line),
          reportLog: (line) => log.output(line),
        });
      } catch (err) {
        throw listenFailure(err, hostPort(host, port));
      }
    },
    listening: (server) => ({
      url: server.url,
      host: server.host,
      exposed: tokens.length === 0 ? 'without --token; anyone who can reach it can run tests and store reports' : null,
      lines: [
        ...(tokens.length === 0 ? [`open ${server.url}`] : tokens.map((t) => `send this link: ${server.url}?t=${t}`)),
        ...(resultsToken !== undefined ? [`results page: ${new URL('/results', server.url).href} (your browser asks for the results token as password)`] : []),
      ],
    }),
  };
}

export async function runServe(args: ServeArgs, io: Io): Promise<number> {
  const { runService } = await import('../services/service.js');
  return runService(await serveService(args, io.env), io);
}
