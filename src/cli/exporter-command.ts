/**
 * `iceprobe exporter`: a Prometheus exporter in blackbox_exporter's multi-target pattern.
 *
 *   iceprobe exporter [--listen 127.0.0.1:9799] [--config exporter.json]
 *
 * Prometheus scrapes /probe?target=…&module=… (see examples/exporter/prometheus.yml); the exporter
 * probes then and answers the probe's metrics. Runs until Ctrl-C; SIGHUP or POST /-/reload reloads
 * the config (a bad one is refused and the old one keeps serving).
 */
import type { Argv, ArgumentsCamelCase, InferredOptionTypes } from 'yargs';
import { UsageError } from '../core/errors.js';
import type { Exporter } from '../services/exporter/server.js';
import type { Io } from './io.js';

/** 9799: next to the exporters' block of the Prometheus default port allocations, unclaimed there. */
export const DEFAULT_LISTEN = '127.0.0.1:9799';

const options = {
  listen: { type: 'string', default: DEFAULT_LISTEN, describe: 'Address and port to serve on (host:port, [v6]:port; port 0: a free one, printed)' },
  config: { type: 'string', describe: 'Exporter config (JSON): modules, maxInFlight, timeoutOffsetSeconds, browser; default: the built-in modules' },
} as const;

export function exporterOptions(y: Argv) {
  return y
    .options(options)
    .example('$0 exporter', 'Serve the built-in modules (stun, turn_udp, turn_tcp, turns, relay, tls, gather, call) on http://127.0.0.1:9799/')
    .example('curl "http://127.0.0.1:9799/probe?module=turn_udp&target=turn.example.com"', 'One probe by hand (ICEPROBE_USERNAME / ICEPROBE_CREDENTIAL in the exporter\'s environment)');
}

export type ExporterArgs = ArgumentsCamelCase<InferredOptionTypes<typeof options>>;

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65_535) throw new UsageError(`--listen ${listen}: write host:port, e.g. 127.0.0.1:9799 or [::1]:9799 (0.0.0.0:9799 for every interface)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Starts the exporter from parsed flags; prints where it listens. The caller owns close(). */
export async function startExporterCommand(args: ExporterArgs, io: Io): Promise<Exporter> {
  const { host, port } = parseListen(args.listen ?? DEFAULT_LISTEN);
  const { loadExporterConfig } = await import('../services/exporter/config.js');
  const { startExporter } = await import('../services/exporter/server.js');
  const configPath = args.config;
  // A bad config at start is a usage error (exit 2); at reload it is refused and logged.
  loadExporterConfig(configPath);
  let exporter: Exporter;
  try {
    exporter = await startExporter({ host, port, loadConfig: () => loadExporterConfig(configPath), log: (line) => io.err(`iceprobe exporter: ${line}`), env: io.env });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--listen ${args.listen}: the port is already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--listen ${args.listen}: no such local address`);
    if (code === 'EACCES') throw new UsageError(`--listen ${args.listen}: not allowed to bind it`);
    throw err;
  }
  io.out(`iceprobe exporter: listening on ${exporter.url} (modules: ${[...exporter.config().modules.keys()].join(', ')})`);
  if (!/^(127\.|::1$|localhost$)/.test(exporter.host)) io.err(`iceprobe exporter: warning: listening on ${exporter.host}; anyone who can reach it can make it probe any host`);
  return exporter;
}

export async function runExporter(args: ExporterArgs, io: Io): Promise<number> {
  const exporter = await startExporterCommand(args, io);
  const onHup = () => void exporter.reload();
  process.on('SIGHUP', onHup);
  try {
    await exporter.closed;
  } finally {
    process.off('SIGHUP', onHup);
  }
  io.err('iceprobe exporter: stopped');
  return 0;
}
