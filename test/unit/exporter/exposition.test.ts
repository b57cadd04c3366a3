import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, gauge, histogramSamples, render } from '../../../src/services/exporter/exposition.js';

describe('text exposition 0.0.4', () => {
  it('writes HELP, TYPE and samples, label values escaped', () => {
    const text = render([gauge('probe_x', 'a \\ help\nline', [{ labels: { code: 'a"b\\c\nd' }, value: 1 }])]);
    expect(text).toBe('# HELP probe_x a \\\\ help\\nline\n# TYPE probe_x gauge\nprobe_x{code="a\\"b\\\\c\\nd"} 1\n');
  });

  it('leaves out a family without samples, and writes special values as Go parses them', () => {
    expect(render([gauge('probe_empty', 'h', [])])).toBe('');
    expect([NaN, Infinity, -Infinity, 0.25, 3].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.25', '3']);
  });

  it('refuses invalid and duplicate names (an internal error, never a bad exposition)', () => {
    expect(() => render([gauge('probe-x', 'h', [{ value: 1 }])])).toThrow(/invalid metric name/);
    expect(() => render([gauge('probe_x', 'h', [{ labels: { __name__: 'y' }, value: 1 }])])).toThrow(/invalid label name/);
    expect(() => render([gauge('probe_x', 'h', [{ value: 1 }]), gauge('probe_x', 'h', [{ value: 2 }])])).toThrow(/twice/);
  });

  it('makes histogram buckets cumulative, +Inf equal to the count', () => {
    const s = histogramSamples([0.1, 1], [2, 3], 4.5, 6, { module: 'stun' });
    expect(s.map((x) => [x.suffix, x.labels?.le ?? null, x.value])).toEqual([
      ['_bucket', '0.1', 2],
      ['_bucket', '1', 5],
      ['_bucket', '+Inf', 6],
      ['_sum', null, 4.5],
      ['_count', null, 6],
    ]);
  });

  it('escapes only what the format says', () => {
    expect(escapeHelp('a"b')).toBe('a"b');
    expect(escapeLabelValue('plain')).toBe('plain');
  });
});
