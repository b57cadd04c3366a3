/**
 * `iceprobe exporter` as Prometheus uses it: the built CLI (dist/) serving real coturn targets,
 * scraped by Debian's real `prometheus` with the multi-target relabeling of
 * examples/exporter/prometheus.yml; assertions on what Prometheus's own HTTP API returns.
 * promtool judges the exposition and the example rules. No secret reaches a metric, a label,
 * the debug output or the exporter's log. SIGHUP and POST /-/reload refuse a bad config.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCoturn, type Coturn } from '../../src/servers/coturn.js';
import { expectNoSecrets } from '../helpers/secrets.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/exporter/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'iceprobe-exporter-prom-'));
const REST_SECRET = 'rest-shared-secret-7f3a91';
const WRONG_PASSWORD = 'definitely-wrong-pw-4c2b';

let longTerm: Coturn;
let rest: Coturn;
let exporter: ChildProcess;
let prometheus: ChildProcess;
let exporterUrl = '';
let promUrl = '';
let stderr = '';
let deadPort = 0;
const configPath = join(dir, 'exporter.json');

function exporterConfig(extra: Record<string, unknown> = {}) {
  return {
    maxInFlight: 16,
    modules: {
      turn_good: { prober: 'turn', transport: 'udp', timeoutSeconds: 3, credentials: { type: 'env', usernameEnv: 'TURN_USER', passwordEnv: 'TURN_PASSWORD' } },
      turn_bad: { prober: 'turn', transport: 'udp', timeoutSeconds: 3, credentials: { type: 'static', username: longTerm.username, password: WRONG_PASSWORD } },
      turn_rest: { prober: 'turn', transport: 'tcp', timeoutSeconds: 3, credentials: { type: 'rest', secretEnv: 'TURN_REST_SECRET', user: 'monitor' } },
      relay_good: { prober: 'relay', timeoutSeconds: 8, credentials: { type: 'env', usernameEnv: 'TURN_USER', passwordEnv: 'TURN_PASSWORD' } },
      turns_ca: { prober: 'turn', scheme: 'turns', timeoutSeconds: 3, caFile: join(dir, 'ca.pem'), credentials: { type: 'env', usernameEnv: 'TURN_USER', passwordEnv: 'TURN_PASSWORD' } },
      ...extra,
    },
  };
}

async function waitFor<T>(what: string, f: () => Promise<T | null>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nexporter stderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PromSeries { metric: Record<string, string>; value: [number, string] }
async function query(q: string): Promise<PromSeries[]> {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as { status: string; data: { result: PromSeries[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

function promtool(args: string[], input?: string) {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: EXAMPLES, timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  [longTerm, rest] = await Promise.all([startCoturn(), startCoturn({ authSecret: REST_SECRET, tls: null })]);
  writeFileSync(join(dir, 'ca.pem'), longTerm.certPem ?? '');
  writeFileSync(configPath, JSON.stringify(exporterConfig()));
  deadPort = await freePort();
  const port = await freePort();
  exporter = spawn(process.execPath, [CLI, 'exporter', '--listen', `127.0.0.1:${port}`, '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TURN_USER: longTerm.username, TURN_PASSWORD: longTerm.password, TURN_REST_SECRET: REST_SECRET },
  });
  let stdout = '';
  exporter.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  exporter.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  exporterUrl = await waitFor('the exporter to listen', async () => /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? null, 20_000);

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const exporterAddress = new URL(exporterUrl).host;
  const job = (name: string, module: string, targets: string[]) => `
  - job_name: ${name}
    metrics_path: /probe
    scrape_interval: 2s
    scrape_timeout: 2s
    params:
      module: [${module}]
    static_configs:
      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]
        labels: { __exporter: '${exporterAddress}', vantage: test }
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - source_labels: [__param_module]
        target_label: module
      - source_labels: [__exporter]
        target_label: __address__`;
  const healthy = `127.0.0.1:${longTerm.port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${join(EXAMPLES, 'iceprobe-rules.yml')}
scrape_configs:${job('turn_good', 'turn_good', [healthy, `127.0.0.1:${deadPort}`])}${job('turn_bad', 'turn_bad', [healthy])}${job('turn_rest', 'turn_rest', [`127.0.0.1:${rest.port}`])}${job('turns_ca', 'turns_ca', [`127.0.0.1:${longTerm.tlsPort}`])}${job('relay_good', 'relay_good', [healthy])}
  - job_name: iceprobe_exporter
    scrape_interval: 1s
    static_configs:
      - targets: ['${exporterAddress}']
`,
  );
  prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitFor('prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : null), 20_000);
}, 60_000);

afterAll(async () => {
  const stopped = (c: ChildProcess | undefined) => (c && c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve());
  const waits = [stopped(prometheus), stopped(exporter)];
  prometheus?.kill('SIGTERM');
  exporter?.kill('SIGTERM');
  const timer = setTimeout(() => {
    prometheus?.kill('SIGKILL');
    exporter?.kill('SIGKILL');
  }, 10_000);
  await Promise.all(waits);
  clearTimeout(timer);
  await Promise.all([longTerm?.stop(), rest?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('iceprobe exporter scraped by Prometheus', () => {
  it('Prometheus sees the healthy target succeed, the dead one and the wrong password fail with their codes', async () => {
    const healthy = `127.0.0.1:${longTerm.port}`;
    const series = await waitFor(
      'six probe_success series',
      async () => {
        const r = await query('probe_success');
        return r.length >= 6 ? r : null;
      },
      30_000,
    );
    const success = (module: string, instance: string) => series.find((s) => s.metric.module === module && s.metric.instance === instance)?.value[1];
    const why = JSON.stringify((await query('probe_failure_info')).map((x) => x.metric));
    expect(success('turn_good', healthy), why).toBe('1');
    expect(success('turn_good', `127.0.0.1:${deadPort}`)).toBe('0');
    expect(success('turn_bad', healthy)).toBe('0');
    expect(success('turn_rest', `127.0.0.1:${rest.port}`), why).toBe('1'); // minted per probe, accepted by coturn
    expect(success('turns_ca', `127.0.0.1:${longTerm.tlsPort}`), why).toBe('1');
    // Datagrams both ways between an outside socket and the relayed address (relayreach's probe).
    expect(success('relay_good', healthy), why).toBe('1');
    const delivered = await query('probe_relay_delivered_ratio{module="relay_good"}');
    expect(delivered.map((s) => [s.metric.direction, s.value[1]]).sort()).toEqual([['inbound', '1'], ['outbound', '1']]);
    for (const s of series) expect(s.metric.vantage).toBe('test');

    const failures = await query('probe_failure_info');
    const codes = (module: string, instance: string) => failures.filter((s) => s.metric.module === module && s.metric.instance === instance).map((s) => s.metric.code);
    expect(codes('turn_bad', healthy)).toEqual(['TURN_AUTH_FAILED']);
    expect(codes('turn_good', `127.0.0.1:${deadPort}`)).toEqual(['CONNECTION_REFUSED']);
    expect(codes('turn_good', healthy)).toEqual([]);

    const relay = await query('probe_turn_relay_info{module="turn_good"}');
    expect(relay.map((s) => s.metric.relay_ip)).toEqual(['127.0.0.1']);
    const expiry = await query('probe_ssl_earliest_cert_expiry{module="turns_ca"}');
    expect(Number(expiry[0]?.value[1])).toBeGreaterThan(Date.now() / 1000);
    const allocate = await query('probe_phase_duration_seconds{module="turn_good", phase="allocate"}');
    expect(Number(allocate[0]?.value[1])).toBeGreaterThan(0);

    // The example rules evaluate on these series: the wrong password is TurnAuthFailing (pending: for 2m).
    const alerts = await waitFor('the TurnAuthFailing alert', async () => {
      const r = await query('ALERTS{alertname="TurnAuthFailing"}');
      return r.length > 0 ? r : null;
    }, 10_000);
    expect(alerts[0]?.metric).toMatchObject({ alertstate: 'pending', code: 'TURN_AUTH_FAILED', module: 'turn_bad' });

    // Prometheus scraped the exporter itself too; every scrape answered (no 503, no timeout).
    const up = await query('up');
    expect(up.length).toBe(7);
    for (const s of up) expect(s.value[1], JSON.stringify(s.metric)).toBe('1');
    // …and counted the probes it ran (its own scrape may lag the probes by one interval).
    await waitFor('the exporter to count 5 probes', async () => (Number((await query('sum(iceprobe_exporter_probes_total)'))[0]?.value[1]) >= 5 ? true : null), 10_000);
  }, 60_000);

  it('promtool check metrics accepts every exposition: success, failure, the exporter\'s own', async () => {
    const bodies = [
      await (await fetch(`${exporterUrl}/probe?module=turn_good&target=127.0.0.1:${longTerm.port}`)).text(),
      await (await fetch(`${exporterUrl}/probe?module=turn_bad&target=127.0.0.1:${longTerm.port}`)).text(),
      await (await fetch(`${exporterUrl}/probe?module=turns_ca&target=127.0.0.1:${longTerm.tlsPort}`)).text(),
      await (await fetch(`${exporterUrl}/metrics`)).text(),
    ];
    for (const b of bodies) {
      const r = promtool(['check', 'metrics'], b);
      expect(r.code, `${r.out}\n${b}`).toBe(0);
    }
  });

  it('the example rules, their tests and the example prometheus.yml pass promtool', () => {
    for (const args of [['check', 'rules', 'iceprobe-rules.yml'], ['test', 'rules', 'iceprobe-rules.test.yml'], ['check', 'config', '--syntax-only', 'prometheus.yml']]) {
      const r = promtool(args);
      expect(r.code, `promtool ${args.join(' ')}: ${r.out}`).toBe(0);
    }
  });

  it('never shows a credential: not in metrics, labels, debug output or the log', async () => {
    const debugGood = await (await fetch(`${exporterUrl}/probe?module=turn_good&target=127.0.0.1:${longTerm.port}&debug=true`)).text();
    const debugBad = await (await fetch(`${exporterUrl}/probe?module=turn_bad&target=127.0.0.1:${longTerm.port}&debug=true`)).text();
    const debugRest = await (await fetch(`${exporterUrl}/probe?module=turn_rest&target=127.0.0.1:${rest.port}&debug=true`)).text();
    expect(debugGood).toContain('probe_success 1');
    expect(debugBad).toContain('probe_failure_info{code="TURN_AUTH_FAILED"} 1');
    expect(debugRest).toContain('"credential": "minted"');
    // The REST password of that probe, recomputed from the username the debug output shows.
    const username = /credentials: minted \(username (\d+:monitor)\)/.exec(debugRest)?.[1] ?? '';
    expect(username).not.toBe('');
    const minted = createHmac('sha1', REST_SECRET).update(username).digest('base64');
    const labels = (await query('{__name__=~"probe_.*|iceprobe_.*"}')).map((s) => JSON.stringify(s.metric)).join('\n');
    const metrics = await (await fetch(`${exporterUrl}/metrics`)).text();
    expectNoSecrets({ debugGood, debugBad, debugRest, labels, metrics, stderr }, [longTerm.password, WRONG_PASSWORD, REST_SECRET, minted]);
  });

  it('a bad config is refused on SIGHUP and POST /-/reload, the old one keeps serving; a good one is taken', async () => {
    writeFileSync(configPath, '{"modules": {"x": {"prober": "ping"}}}');
    exporter.kill('SIGHUP');
    await waitFor('the refused reload in the log', async () => (stderr.includes('config reload refused') ? true : null), 10_000);
    expect((await fetch(`${exporterUrl}/-/reload`, { method: 'POST' })).status).toBe(500);
    const still = await (await fetch(`${exporterUrl}/probe?module=turn_good&target=127.0.0.1:${longTerm.port}`)).text();
    expect(still).toContain('probe_success 1');
    expect(await (await fetch(`${exporterUrl}/metrics`)).text()).toContain('iceprobe_exporter_config_last_reload_successful 0');

    writeFileSync(configPath, JSON.stringify(exporterConfig({ stun_new: { prober: 'stun' } })));
    expect((await fetch(`${exporterUrl}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect(await (await fetch(`${exporterUrl}/probe?module=stun_new&target=127.0.0.1:${longTerm.port}`)).text()).toContain('probe_success 1');
    expect(await (await fetch(`${exporterUrl}/metrics`)).text()).toContain('iceprobe_exporter_config_last_reload_successful 1');
    expect((await fetch(`${exporterUrl}/probe?module=nope&target=x`)).status).toBe(400);
    expect((await fetch(`${exporterUrl}/-/healthy`)).status).toBe(200);
  });
});
