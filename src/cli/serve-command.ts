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

/** Longest log line serve prints. */
export const LOG_LINE_MAX = 1_000;

/** A serve log line as printed: secrets out, and nothing a visitor sent can break the line or repaint the terminal. */
export function serveLogLine(line: string, secrets: { redact(text: string): string }): string {
  return `iceprobe: ${echoInput(secrets.redact(line), LOG_LINE_MAX)}`;
}

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

/** Starts the server from parsed flags; prints the link(s). The caller owns close(). */
export async function startServeCommand(args: ServeArgs, io: Io): Promise<ServeServer> {
  const port = args.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be an integer 0-65535 (got ${String(args.port)})`);
  if ((args.tlsCert === undefined) !== (args.tlsKey === undefined)) throw new UsageError('give --tls-cert and --tls-key together');
  for (const [flag, v] of [['--max-body', args.maxBody], ['--rate', args.rate], ['--reports-per-token', args.reportsPerToken]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`${flag} must be a positive integer (got ${String(v)})`);
  }
  const tokens = (args.token ?? []).map(String);
  if (tokens.some((t) => t.length < 8 || !/^[A-Za-z0-9._~-]+$/.test(t))) {
    throw new UsageError('--token: use at least 8 URL-safe characters (letters, digits, . _ ~ -)');
  }
  const env = io.env;
  const { resolveConfig } = await import('../config/config.js');
  // The config carries the TURN REST secret (it mints, it cannot be printed): serve mints per visit.
  const config = resolveConfig({ ...serverConfigInput(args), defaultDurationS: VISIT_CALL_DURATION_S, env });
  const tls = args.tlsCert !== undefined && args.tlsKey !== undefined ? readTls(args.tlsCert, args.tlsKey) : undefined;
  prepareReportsDir(args.reportsDir ?? 'iceprobe-reports');
  const resultsToken = (args.resultsToken as string | undefined) ?? (env.ICEPROBE_RESULTS_TOKEN || undefined);
  if (resultsToken !== undefined && resultsToken.length < 16) throw new UsageError('--results-token (or ICEPROBE_RESULTS_TOKEN): use at least 16 characters; it guards every stored result');

  let server: ServeServer;
  try {
    // Loaded here, not at start-up: the browser stack is heavy and `--help` should be instant.
    const { startServe } = await import('../services/serve/server.js');
    server = await startServe({
      servers: config.servers,
      turnSecret: config.turnSecret,
      host: args.host ?? '127.0.0.1',
      port,
      tls,
      reportsDir: args.reportsDir ?? 'iceprobe-reports',
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
      log: (line) => {
        const safe = serveLogLine(line, config.secrets);
        if (line.startsWith('report ')) io.out(safe);
        else io.err(safe);
      },
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${args.host} is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind ${args.host}: no such local address`);
    if (code === 'EACCES') throw new UsageError(`not allowed to bind ${args.host}:${port}`);
    throw err;
  }
  if (tokens.length === 0) io.out(`iceprobe: open ${server.url}`);
  for (const t of tokens) io.out(`iceprobe: send this link: ${server.url}?t=${t}`);
  if (resultsToken !== undefined) io.out(`iceprobe: results page: ${new URL('/results', server.url).href} (your browser asks for the results token as password)`);
  if (tokens.length === 0 && !/^(127\.|::1$|localhost$)/.test(server.host)) {
    io.err(`iceprobe: warning: listening on ${server.host} without --token; anyone who can reach it can run tests and store reports`);
  }
  return server;
}

export async function runServe(args: ServeArgs, io: Io): Promise<number> {
  const server = await startServeCommand(args, io);
  await server.closed;
  io.err('iceprobe: serve stopped');
  return 0;
}
