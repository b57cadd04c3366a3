/**
 * The exporter in-process against real sockets and a real Chromium: the in-flight bound answers
 * 503 at once, the scrape timeout header bounds a probe against a server that never answers, and
 * the warm browser serves gather probes and is replaced when it dies.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { buildExporterConfig } from '../../src/services/exporter/config.js';
import { browserRss } from '../../src/services/exporter/browser-pool.js';
import { startExporter, type Exporter } from '../../src/services/exporter/server.js';

let coturn: Coturn;
let silent: Socket;
let silentPort = 0;
let exporter: Exporter;
const log: string[] = [];

beforeAll(async () => {
  coturn = await startCoturn({ tls: null });
  // A UDP port that takes every request and never answers: a probe there runs to its bound.
  silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  silentPort = silent.address().port;
  exporter = await startExporter({
    host: '127.0.0.1',
    port: 0,
    loadConfig: () => buildExporterConfig({ maxInFlight: 1, browser: { insecureTls: true }, modules: { slow_stun: { prober: 'stun', timeoutSeconds: 2 } } }, 'test'),
    log: (l) => log.push(l),
    env: { ICEPROBE_USERNAME: coturn.username, ICEPROBE_CREDENTIAL: coturn.password },
  });
});

afterAll(async () => {
  await exporter?.close();
  silent?.close();
  await coturn?.stop();
});

describe('exporter limits', () => {
  it('answers 503 at once when the in-flight bound is reached, and the probe in flight still finishes within the scrape timeout', async () => {
    const t0 = performance.now();
    const slow = fetch(`${exporter.url}/probe?module=slow_stun&target=127.0.0.1:${silentPort}`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.5' } });
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(`${exporter.url}/probe?module=stun&target=127.0.0.1:${coturn.port}`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(performance.now() - t0).toBeLessThan(1_000);
    const r = await slow;
    const ms = performance.now() - t0;
    const body = await r.text();
    expect(body).toContain('probe_success 0');
    expect(body).toContain('probe_failure_info{code="TIMEOUT"} 1');
    // Bound: 1.5 s scrape timeout minus the 0.5 s offset (not the module's 2 s), plus slack for a busy machine.
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(1_900);
    expect((await fetch(`${exporter.url}/probe?module=stun&target=127.0.0.1:${coturn.port}`)).status).toBe(200);
    const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metrics).toContain('iceprobe_exporter_probes_rejected_total{reason="in_flight_limit"} 1');
    expect(metrics).toContain('iceprobe_exporter_probes_total{module="slow_stun",result="failure"} 1');
  });

  it('runs gather probes on one warm browser and replaces it when it dies', async () => {
    const target = `127.0.0.1:${coturn.port}`;
    const first = await (await fetch(`${exporter.url}/probe?module=gather&target=${target}`)).text();
    expect(first).toContain('probe_success 1');
    expect(first).toContain('probe_gather_candidates{type="relay",browser="chromium"} 1');
    expect(first).toContain('probe_turn_relay_info{relay_ip="127.0.0.1"} 1');
    expect((await fetch(`${exporter.url}/probe?module=gather&target=${target}`)).ok).toBe(true);
    let metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metrics).toContain('iceprobe_exporter_browser_launches_total{browser="chromium"} 1');
    expect(browserRss('chromium')).toBeGreaterThan(0);

    // Kill the browser process as the OOM killer would.
    const { readFileSync, readdirSync } = await import('node:fs');
    const children = readdirSync(`/proc/${process.pid}/task`).flatMap((t) => readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
    const chromium = children.filter((pid) => /chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8')));
    expect(chromium.length).toBeGreaterThan(0);
    for (const pid of chromium) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));

    const after = await (await fetch(`${exporter.url}/probe?module=gather&target=${target}`)).text();
    expect(after).toContain('probe_success 1');
    metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metrics).toContain('iceprobe_exporter_browser_restarts_total{browser="chromium",reason="died"} 1');
    expect(metrics).toContain('iceprobe_exporter_browser_launches_total{browser="chromium"} 2');
    expect(log.some((l) => l.includes('chromium browser replaced (died)'))).toBe(true);
  });
});
