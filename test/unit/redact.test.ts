import { describe, expect, it } from 'vitest';
import { Secrets, REDACTED } from '../../src/core/redact.js';
import { Report } from '../../src/core/schema.js';
import { resolveConfig } from '../../src/config/config.js';
import { loadFixture, FIXTURE_NAMES } from './reports/helpers.js';

const noEnv = {};

describe('Secrets', () => {
  it('redacts every registered secret in text and in nested values', () => {
    const s = new Secrets();
    s.add('hunter2');
    s.add('we"ird\\pw');
    s.add(null);
    s.add('');
    expect(s.redact('user hunter2 pass')).toBe('user [redacted] pass');
    const v = s.redactValue({ a: ['hunter2'], b: { c: 'x we"ird\\pw y' }, ab: 'ab' });
    expect(JSON.stringify(v)).not.toContain('hunter2');
    expect(JSON.stringify(v)).not.toContain('ird');
    expect(v.ab).toBe('ab');
  });

  it('removes a longer secret whole when it contains a shorter one', () => {
    const s = new Secrets();
    s.add('abc');
    s.add('abcdef');
    expect(s.redact('abcdef')).toBe('[redacted]');
  });

  it('matches case-insensitively and in the spellings an error echoes (URL-encoded, JSON-escaped)', () => {
    const s = new Secrets();
    s.add('Sekr3t/Pass+word');
    expect(s.redact('turn:h.test?transport=sekr3t/pass+word')).toBe(`turn:h.test?transport=${REDACTED}`);
    expect(s.redact(`x=${encodeURIComponent('Sekr3t/Pass+word')}`)).toBe(`x=${REDACTED}`);
    expect(s.has('SEKR3T/PASS+WORD')).toBe(true);
    expect(s.has('nothing here')).toBe(false);
  });

  it('replaces a short secret as a whole token only, never inside a longer word', () => {
    const s = new Secrets();
    s.add('pass');
    expect(s.redact('credential pass rejected; 3 checks passed')).toBe(`credential ${REDACTED} rejected; 3 checks passed`);
    expect(s.redact('alice:PASS@h.test')).toBe(`alice:${REDACTED}@h.test`);
  });

  it('redacts keys too, and leaves numbers and booleans alone', () => {
    const s = new Secrets();
    s.add('true');
    s.add('3478');
    const v = s.redactValue({ true: true, port: 3478, text: 'port 3478 is true' });
    expect(v).toEqual({ [REDACTED]: true, port: 3478, text: `port ${REDACTED} is ${REDACTED}` });
  });
});

describe('redacting a report by its structure', () => {
  // Each was a crash (ZodError or SyntaxError, exit 3) when redaction rewrote serialized JSON.
  const ordinary = ['pass', 'true', 'ok', '3478', 'fail', 'given', 'udp', 'null', 'info', 'check', '1', 'a', '"', '\\', ':', ','];

  for (const name of FIXTURE_NAMES) {
    it(`keeps the ${name} fixture schema-valid for ordinary-word secrets, and removes them from free text`, () => {
      const base = loadFixture(name);
      for (const secret of ordinary) {
        const s = new Secrets();
        s.add(secret);
        const leaky: Report = {
          ...base,
          checks: base.checks.map((c, i) => (i === 0 ? { ...c, message: `the server said credential ${secret} is wrong`, details: { ...c.details, echoed: secret, [`k-${secret}`]: 1 } } : c)),
        };
        const r = Report.parse(s.redactValue(leaky, Report));
        // Vocabulary stays: statuses, kinds, codes, the servers' credential source.
        expect(r.checks.map((c) => c.status)).toEqual(leaky.checks.map((c) => c.status));
        const codes = (x: Report) => x.checks.map((c) => c.code).filter((c) => /^[A-Z][A-Z0-9_]*$/.test(c));
        expect(codes(r)).toEqual(codes(leaky));
        expect(r.servers.map((x) => x.credential)).toEqual(leaky.servers.map((x) => x.credential));
        expect(r.summary).toEqual(leaky.summary);
        expect(r.partial).toBe(leaky.partial);
        // The echoes are gone.
        const first = r.checks[0];
        expect(first?.message).toBe(`the server said credential ${REDACTED} is wrong`);
        expect(first?.details.echoed).toBe(REDACTED);
        expect(Object.keys(first?.details ?? {})).toContain(`k-${REDACTED}`);
        expect(s.has(JSON.stringify(r.checks[0]?.message))).toBe(false);
      }
    });
  }

  it('removes a secret from an enum-shaped string outside the schema\'s enums (details are free)', () => {
    const s = new Secrets();
    s.add('given');
    const base = loadFixture('healthy');
    const leaky = { ...base, checks: base.checks.map((c, i) => (i === 0 ? { ...c, details: { credential: 'given' } } : c)) };
    const r = s.redactValue(leaky, Report);
    expect(r.checks[0]?.details.credential).toBe(REDACTED);
  });
});

describe('config accepts ordinary short passwords', () => {
  for (const pw of ['pass', 'true', 'ok', '3478', 'x']) {
    it(`--credential ${pw}`, () => {
      const c = resolveConfig({ env: noEnv, urls: ['turn:t.test:3478'], username: 'u', credential: pw });
      expect(c.servers[0]).toMatchObject({ credential: pw, credentialSource: 'given' });
      expect(c.secrets.has(`credential ${pw}`)).toBe(true);
    });
  }
});
