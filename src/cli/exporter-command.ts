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
import { hostPort, listenFailure, type ServiceDef } from '../services/service.js';
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

/** The exporter as a service (src/services/service.ts) from parsed flags; SIGHUP reloads its config. */
export async function exporterService(args: ExporterArgs, env: NodeJS.ProcessEnv): Promise<ServiceDef<Exporter>> {
  const { host, port } = parseListen(args.listen ?? DEFAULT_LISTEN);
  const { loadExporterConfig } = await import('../services/exporter/config.js');
  const configPath = args.config;
  // A bad config at start is a usage error (exit 2); at reload it is refused and logged.
  loadExporterConfig(configPath);
  return {
    name: 'exporter',
    start: async (log) => {
      const { startExporter } = await import('../services/exporter/server.js');
      try {
        return await startExporter({ host, port, loadConfig: () => loadExporterConfig(configPath), log: (line) => log.event(`exporter ${line}`), env });
      } catch (err) {
        throw listenFailure(err, `${hostPort(host, port)} (--listen)`);
      }
    },
    listening: (exporter) => ({
      url: exporter.url,
      detail: `modules: ${[...exporter.config().modules.keys()].join(', ')}`,
      host: exporter.host,
      exposed: 'anyone who can reach it can make it probe any host',
    }),
    reload: (exporter) => void exporter.reload(),
  };
}

export async function runExporter(args: ExporterArgs, io: Io): Promise<number> {
  const { runService } = await import('../services/service.js');
  return runService(await exporterService(args, io.env), io);
}
