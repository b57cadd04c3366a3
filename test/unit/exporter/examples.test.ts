/**
 * The shipped dashboard and alert rules query only metrics the exporter really writes (a renamed
 * metric would otherwise leave a silent, empty panel or an alert that can never fire).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Report } from '../../../src/core/schema.js';
import { buildExporterConfig } from '../../../src/services/exporter/config.js';
import { ExporterMetrics } from '../../../src/services/exporter/own-metrics.js';
import { KNOWN_CODES, probeFamilies } from '../../../src/services/exporter/probe-metrics.js';

const dir = fileURLToPath(new URL('../../../examples/exporter/', import.meta.url));

function writtenNames(): Set<string> {
  const report = Report.parse({
    schemaVersion: 1,
    tool: { name: 'iceprobe', version: '0' },
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    environment: { browser: null, node: 'v20', platform: 'linux-x64' },
    servers: [],
    checks: [
      { id: 'dns:h', kind: 'dns', target: 'h', transport: null, status: 'pass', code: 'OK', durationMs: 1, details: {} },
      { id: 'turn-allocate:x', kind: 'turn-allocate', target: 'x', transport: 'tls', status: 'pass', code: 'OK', durationMs: 1, details: { address: '127.0.0.1', lifetimeS: 600, relayedAddress: '127.0.0.1:1' } },
      { id: 'tls-handshake:x', kind: 'tls-handshake', target: 'x', transport: 'tls', status: 'pass', code: 'OK', durationMs: 1, details: { protocol: 'TLSv1.3', chain: [{ validTo: 'Jan  1 00:00:00 2030 GMT' }] } },
      { id: 'relay-reach:x', kind: 'relay-reach', target: 'x', transport: 'udp', status: 'pass', code: 'OK', durationMs: 1, details: { inbound: { sent: 3, received: 3 }, outbound: { sent: 3, received: 3 } } },
      { id: 'gather:turn:x', kind: 'gather', target: 'turn:x', transport: 'udp', status: 'pass', code: 'OK', durationMs: 1, details: { candidates: { host: 1, srflx: 1, prflx: 0, relay: 1 }, firstMs: { relay: 5 } } },
    ],
    candidates: [],
    calls: [{ id: 'r', checkId: 'call:relay/udp', policy: 'relay', via: [], transport: 'udp', status: 'pass', code: 'OK', failedPhase: null, setup: { totalMs: 1, phases: [] }, selectedPair: null, selectedPairChanges: 0, rttMs: { min: 1, median: 1, max: 1 }, throughput: { bitsPerSecond: 1, goodputBitsPerSecond: 1, bytes: 1, durationMs: 1, samples: [] } }],
    findings: [],
    summary: { status: 'pass', passed: 1, warned: 0, failed: 0, skipped: 0 },
  });
  const own = new ExporterMetrics({ inFlight: () => 0, maxInFlight: () => 1, browsers: () => [{ engine: 'chromium', up: true, launches: 1, rss: 1 }] });
  return new Set([...probeFamilies({ report, success: false, failureCodes: ['TIMEOUT'], durationS: 1 }), ...own.families()].map((f) => f.name).concat(['up', 'ALERTS']));
}

function queriedNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\b(probe_[a-z_]+|iceprobe_exporter_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)\b/g)].map((m) => m[1] ?? ''))];
}

describe('shipped examples', () => {
  const names = writtenNames();

  it('the Grafana dashboard is valid JSON whose every query uses written metrics', () => {
    const dash = JSON.parse(readFileSync(`${dir}grafana-dashboard.json`, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const used = queriedNames(exprs.join('\n'));
    expect(used.filter((n) => !names.has(n))).toEqual([]);
    for (const n of ['probe_success', 'probe_failure_info', 'probe_phase_duration_seconds', 'probe_ssl_earliest_cert_expiry', 'probe_call_throughput_bits_per_second']) expect(used).toContain(n);
  });

  it('the alert rules use written metrics, and codes the exporter can write', () => {
    const rules = readFileSync(`${dir}iceprobe-rules.yml`, 'utf8');
    expect(queriedNames(rules).filter((n) => !names.has(n))).toEqual([]);
    const codes = [...rules.matchAll(/code=~"([^"]+)"/g)].flatMap((m) => (m[1] ?? '').split('|'));
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((c) => !KNOWN_CODES.has(c))).toEqual([]);
  });

  it('the example exporter config loads', () => {
    const c = buildExporterConfig(JSON.parse(readFileSync(`${dir}exporter.json`, 'utf8')), 'exporter.json');
    expect(c.modules.get('turn_udp')?.credentials.type).toBe('rest');
    expect(c.modules.get('call_firefox')).toMatchObject({ prober: 'call', browser: 'firefox' });
    expect(c.modules.get('call')?.browser).toBe('chromium');
  });
});
