/**
 * The exporter's browser modules in Firefox (Debian firefox-esr over WebDriver BiDi) against a
 * real coturn: `"browser": "firefox"` gather and call modules probe in a warm Firefox of their
 * own (Chromium is never started for them), their browser-measured samples carry
 * `browser="firefox"`, a turns: URL to an IP address (which Firefox ignores) fails with
 * UNSUPPORTED_BY_BROWSER rather than a bare "no relay", and a Firefox that dies is replaced like
 * Chromium. Assertions are on metric values and codes, parsed from the exposition.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { buildExporterConfig } from '../../src/services/exporter/config.js';
import { startExporter, type Exporter } from '../../src/services/exporter/server.js';

let coturn: Coturn;
let exporter: Exporter;
const log: string[] = [];
/** This process's Firefox children (the warm browser's main process). */
function firefoxChildren(): number[] {
  const children = readdirSync(`/proc/${process.pid}/task`).flatMap((t) => readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number));
  return children.filter((pid) => {
    try {
      return /firefox/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** Every sample of an exposition, keyed by name and labels as written: `name{a="x",b="y"}`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}

async function probe(module: string, target: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const r = await fetch(`${exporter.url}/probe?module=${module}&target=${encodeURIComponent(target)}`, { headers });
  expect(r.status).toBe(200);
  return samples(await r.text());
}

const own = async () => samples(await (await fetch(`${exporter.url}/metrics`)).text());

beforeAll(async () => {
  coturn = await startCoturn();
  exporter = await startExporter({
    host: '127.0.0.1',
    port: 0,
    loadConfig: () =>
      buildExporterConfig(
        {
          browser: { insecureTls: true },
          modules: {
            ff_gather: { prober: 'gather', browser: 'firefox', timeoutSeconds: 20 },
            ff_gather_bad: { prober: 'gather', browser: 'firefox', timeoutSeconds: 20, credentials: { type: 'static', username: coturn.username, password: 'not-the-password' } },
            ff_call: { prober: 'call', browser: 'firefox', timeoutSeconds: 15, callDurationSeconds: 0.5 },
          },
        },
        'test',
      ),
    log: (l) => log.push(l),
    env: { ICEPROBE_USERNAME: coturn.username, ICEPROBE_CREDENTIAL: coturn.password },
  });
}, 30_000);

afterAll(async () => {
  await exporter?.close();
  await coturn?.stop();
});

describe('exporter browser modules in Firefox', () => {
  it('gathers a relay in Firefox; a turns: URL to an IP address fails as UNSUPPORTED_BY_BROWSER, the same server by name succeeds', { timeout: 60_000 }, async () => {
    // The first probe starts Firefox (~4 s, more on a busy machine): the module's 20 s bound covers it.
    const udp = await probe('ff_gather', coturn.urls.turnUdp);
    expect(udp.get('probe_success')).toBe(1);
    expect(udp.get('probe_gather_candidates{type="relay",browser="firefox"}')).toBeGreaterThanOrEqual(1);
    expect(udp.get('probe_phase_duration_seconds{phase="gather",browser="firefox"}')).toBeGreaterThan(0);
    expect(udp.get('probe_turn_relay_info{relay_ip="127.0.0.1"}')).toBe(1);

    const ipLiteral = await probe('ff_gather', coturn.urls.turns ?? '');
    expect(ipLiteral.get('probe_success')).toBe(0);
    expect([...ipLiteral.keys()].filter((k) => k.startsWith('probe_failure_info'))).toEqual(['probe_failure_info{code="UNSUPPORTED_BY_BROWSER",browser="firefox"}']);

    const byName = await probe('ff_gather', `turns:localhost:${coturn.tlsPort}?transport=tcp`);
    expect(byName.get('probe_success')).toBe(1);
    expect(byName.get('probe_gather_candidates{type="relay",browser="firefox"}')).toBeGreaterThanOrEqual(1);

    const bad = await probe('ff_gather_bad', coturn.urls.turnUdp);
    expect(bad.get('probe_success')).toBe(0);
    expect(bad.get('probe_failure_info{code="TURN_AUTH_FAILED",browser="firefox"}')).toBe(1);

    // One warm Firefox served all four; Chromium (the built-in modules' engine) was never started.
    const m = await own();
    expect(m.get('iceprobe_exporter_browser_up{browser="firefox"}')).toBe(1);
    expect(m.get('iceprobe_exporter_browser_launches_total{browser="firefox"}')).toBe(1);
    expect(m.get('iceprobe_exporter_browser_launches_total{browser="chromium"}')).toBe(0);
    expect(m.get('iceprobe_exporter_browser_up{browser="chromium"}')).toBe(0);
    expect(m.get('iceprobe_exporter_browser_resident_memory_bytes{browser="firefox"}')).toBeGreaterThan(50 * 1024 * 1024);
    expect(m.has('iceprobe_exporter_browser_resident_memory_bytes{browser="chromium"}')).toBe(false);
  });

  it('makes a relay-forced call in Firefox: setup time, RTT and throughput labelled firefox', { timeout: 60_000 }, async () => {
    const call = await probe('ff_call', coturn.urls.turnUdp);
    expect(call.get('probe_success')).toBe(1);
    expect(call.get('probe_call_throughput_bits_per_second{browser="firefox"}')).toBeGreaterThan(0);
    expect(call.get('probe_phase_duration_seconds{phase="call_setup",browser="firefox"}')).toBeGreaterThan(0);
    expect(call.has('probe_call_rtt_seconds{browser="firefox"}')).toBe(true);
    // The call over the IP-literal turns: URL has no relay to go through in Firefox: the same reason, not a bare skip.
    const ipLiteral = await probe('ff_call', coturn.urls.turns ?? '');
    expect(ipLiteral.get('probe_success')).toBe(0);
    expect(ipLiteral.get('probe_failure_info{code="UNSUPPORTED_BY_BROWSER",browser="firefox"}')).toBe(1);
  });

  it('replaces a Firefox that died, and counts it under its engine', { timeout: 60_000 }, async () => {
    const firefox = firefoxChildren();
    expect(firefox).toHaveLength(1);
    process.kill(-(firefox[0] as number), 'SIGKILL'); // its process group: content processes too, as an OOM kill of the lot
    await new Promise((r) => setTimeout(r, 500));
    expect((await own()).get('iceprobe_exporter_browser_up{browser="firefox"}')).toBe(0);

    // A scrape whose timeout is shorter than a Firefox start answers on time, TIMEOUT; the start goes on.
    const t0 = performance.now();
    const early = await probe('ff_gather', coturn.urls.turnTcp, { 'X-Prometheus-Scrape-Timeout-Seconds': '1.5' });
    expect(performance.now() - t0).toBeLessThan(2_500);
    expect(early.get('probe_success')).toBe(0);
    expect(early.get('probe_failure_info{code="TIMEOUT",browser="firefox"}')).toBe(1);

    const after = await probe('ff_gather', coturn.urls.turnTcp);
    expect(after.get('probe_success')).toBe(1);
    const m = await own();
    expect(m.get('iceprobe_exporter_browser_restarts_total{browser="firefox",reason="died"}')).toBe(1);
    expect(m.get('iceprobe_exporter_browser_restarts_total{browser="chromium",reason="died"}')).toBe(0);
    expect(m.get('iceprobe_exporter_browser_launches_total{browser="firefox"}')).toBe(2);
    expect(log.some((l) => l.includes('firefox browser replaced (died)'))).toBe(true);

    // Closing the exporter leaves no Firefox of ours behind.
    await exporter.close();
    expect(firefoxChildren()).toEqual([]);
  });
});
