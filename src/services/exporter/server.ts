/**
 * The exporter's HTTP server, in blackbox_exporter's multi-target pattern:
 *
 *   GET  /probe?target=<host[:port] | ICE URL>&module=<name>[&debug=true]
 *        probe now, answer its metrics (text format 0.0.4); debug=true answers the probe's log,
 *        the metrics, the module's settings (no secret) and the report as text instead
 *   GET  /metrics      the exporter's own metrics (probes, in flight, durations, browser, process)
 *   GET  /-/healthy    200 while the process serves
 *   GET  /-/ready      200 while the process serves
 *   POST /-/reload     reload the config (SIGHUP does the same): a bad config is refused, logged,
 *                      and the old one keeps serving
 *
 * A probe's bound is the scrape timeout minus an offset, capped by the module's (timeout.ts);
 * at most `maxInFlight` probes run at once and one more is answered 503 at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENGINES, type ProbeBrowser } from '../../browser/engine.js';
import { launchBrowser } from '../../browser/launch.js';
import { ConfigError } from '../../core/errors.js';
import type { EngineName } from '../../core/ids.js';
import { registerCleanup } from '../../core/lifecycle.js';
import { WarmBrowsers, browserRss } from './browser-pool.js';
import { describeModule, type ExporterConfig } from './config.js';
import { CONTENT_TYPE, render } from './exposition.js';
import { InFlightLimit } from './limiter.js';
import { targetUri } from './modules.js';
import { ExporterMetrics } from './own-metrics.js';
import { runProbe, type BrowserLender } from './probe.js';
import { probeFamilies } from './probe-metrics.js';
import { SCRAPE_TIMEOUT_HEADER, probeTimeout } from './timeout.js';

export interface ExporterOptions {
  host: string;
  port: number;
  /** Loads (or reloads) the config; throws ConfigError for a bad one. */
  loadConfig: () => ExporterConfig;
  /** One line per event worth an operator's eye (start, reload, browser restarts, internal errors). */
  log: (line: string) => void;
  /** Where env credentials are read at probe time. */
  env: NodeJS.ProcessEnv;
  /** Tests inject a browser; default: a warm browser per engine the modules use, per the config's browser settings. */
  browser?: BrowserLender | null;
}

export interface Exporter {
  url: string;
  host: string;
  port: number;
  /** Reload the config; false (and the old config kept) if it is bad. */
  reload: () => boolean;
  config: () => ExporterConfig;
  close: () => Promise<void>;
  closed: Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

export async function startExporter(o: ExporterOptions): Promise<Exporter> {
  let config = o.loadConfig();
  const limit = new InFlightLimit(config.maxInFlight);
  // One warm browser per engine, each started by the first probe that needs it. The browser's
  // settings are read at launch; a reload that changes them takes effect with the next browser.
  const warm =
    o.browser === undefined
      ? new WarmBrowsers<ProbeBrowser>({
          launch: (engine) =>
            launchBrowser(engine, {
              executablePath: engine === 'chromium' ? config.browser.chromiumPath : config.browser.firefoxPath,
              insecureTls: config.browser.insecureTls,
            }),
          maxProbes: () => config.browser.maxProbes,
          maxRssBytes: () => config.browser.maxRssBytes,
          onRestart: (engine, reason) => {
            metrics.browserRestarted(engine, reason);
            o.log(`${engine} browser replaced (${reason})`);
          },
        })
      : null;
  const lender: BrowserLender | null = o.browser === undefined ? warm : o.browser;
  // The engines /metrics reports on: those the modules use, and any still running after a reload dropped its modules.
  const engines = (): EngineName[] => {
    const used = new Set<EngineName>([...[...config.modules.values()].flatMap((m) => (m.browser !== null ? [m.browser] : [])), ...(warm?.engines() ?? [])]);
    return ENGINES.filter((e) => used.has(e));
  };
  const metrics: ExporterMetrics = new ExporterMetrics({
    inFlight: () => limit.inFlight,
    maxInFlight: () => limit.max,
    browsers: () => engines().map((engine) => ({ engine, up: warm?.up(engine) ?? false, launches: warm?.launches(engine) ?? 0, rss: warm?.up(engine) ? browserRss(engine) : null })),
  });
  const running = new Set<AbortController>();

  const reload = (): boolean => {
    try {
      const next = o.loadConfig();
      config = next;
      limit.setMax(next.maxInFlight);
      metrics.reloaded(true);
      o.log(`config reloaded from ${next.source}: ${next.modules.size} modules`);
      return true;
    } catch (e) {
      metrics.reloaded(false);
      const problems = e instanceof ConfigError ? e.problems : [(e as Error).message];
      o.log(`config reload refused, keeping the running config: ${problems.join('; ')}`);
      return false;
    }
  };

  const probe = async (req: IncomingMessage, res: ServerResponse, q: URLSearchParams) => {
    const cfg = config;
    const moduleName = q.get('module') ?? '';
    const target = q.get('target') ?? '';
    const debug = q.get('debug') === 'true';
    const bad = (why: string) => {
      metrics.probeRejected('bad_request');
      send(res, 400, `${why}\n`);
    };
    const module = cfg.modules.get(moduleName);
    if (!module) return bad(`${moduleName === '' ? 'module parameter is missing' : `unknown module ${JSON.stringify(moduleName)}`}; modules: ${[...cfg.modules.keys()].join(', ')}`);
    if (target === '') return bad('target parameter is missing; give host[:port] or an ICE URL');
    const t = targetUri(module, target);
    if (!t.ok) return bad(t.problem);
    const header = req.headers[SCRAPE_TIMEOUT_HEADER];
    const timeout = probeTimeout(Array.isArray(header) ? header[0] : header, cfg.timeoutOffsetS, module.timeoutMs);
    if (!timeout.ok) return bad(timeout.problem);

    const release = limit.tryAcquire();
    if (!release) {
      metrics.probeRejected('in_flight_limit');
      return send(res, 503, `${limit.inFlight} probes in flight, the limit (maxInFlight ${limit.max}); retry later or raise maxInFlight\n`, undefined, { 'retry-after': '1' });
    }
    const controller = new AbortController();
    running.add(controller);
    // The scraper gave up (its own timeout, Ctrl-C): stop probing for nobody.
    const onClose = () => {
      if (!res.writableEnded) controller.abort(new Error('client went away'));
    };
    res.on('close', onClose);
    try {
      const result = await runProbe({ module, uri: t.uri, timeoutMs: timeout.timeoutMs, signal: controller.signal, env: o.env, browser: lender, browserInsecureTls: cfg.browser.insecureTls });
      metrics.probeDone(module.name, result.success ? 'success' : 'failure', result.durationS);
      const exposition = render(probeFamilies(result));
      if (!debug) return send(res, 200, exposition, CONTENT_TYPE);
      const text = [
        `Logs for the probe (timeout ${timeout.timeoutMs} ms from the ${timeout.source}):`,
        ...result.log,
        '',
        'Metrics that would have been returned:',
        exposition,
        'Module configuration:',
        describeModule(module),
        '',
        'Report:',
        JSON.stringify(result.report, null, 2),
        '',
      ].join('\n');
      // The report is redacted already; the whole text once more, by the probe's own secrets.
      send(res, 200, result.secrets.redact(text));
    } catch (e) {
      o.log(`internal error probing ${t.uri.canonical} with module ${module.name}: ${(e as Error).message.split('\n')[0]}`);
      send(res, 500, 'internal error in the probe; see the exporter log\n');
    } finally {
      res.off('close', onClose);
      running.delete(controller);
      release();
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://exporter.invalid');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const handle = async () => {
      switch (route) {
        case 'GET /probe':
          return probe(req, res, url.searchParams);
        case 'GET /metrics':
          return send(res, 200, render(metrics.families()), CONTENT_TYPE);
        case 'GET /-/healthy':
          return send(res, 200, 'Healthy\n');
        case 'GET /-/ready':
          return send(res, 200, 'Ready\n');
        case 'POST /-/reload':
          return reload() ? send(res, 200, 'config reloaded\n') : send(res, 500, 'failed to reload config; the running config is kept (see the exporter log)\n');
        case 'GET /':
          return send(res, 200, `iceprobe exporter\n\nGET /probe?target=HOST[:PORT]|ICE-URL&module=NAME[&debug=true]\nGET /metrics\nGET /-/healthy\nPOST /-/reload\n\nmodules: ${[...config.modules.keys()].join(', ')}\n`);
        default:
          if (['/probe', '/metrics', '/-/healthy', '/-/ready', '/-/reload', '/'].includes(url.pathname)) return send(res, 405, 'method not allowed\n');
          return send(res, 404, 'not found\n');
      }
    };
    handle().catch((e: unknown) => {
      o.log(`internal error on ${route}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // a probe may legitimately take its module's whole timeout
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      unregister();
      for (const c of running) c.abort(new Error('exporter stopping'));
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await warm?.close();
      resolveClosed();
    })());
  // Ctrl-C / SIGTERM: running probes are aborted, the browser closed.
  const unregister = registerCleanup('exporter', () => close());
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, host: addr.address, port: addr.port, reload, config: () => config, close, closed };
}
