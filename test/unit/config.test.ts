import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveConfig, echoServers } from '../../src/config/config.js';
import { CHECK_CALL_DURATION_S, VISIT_CALL_DURATION_S } from '../../src/core/defaults.js';
import { ConfigError } from '../../src/core/errors.js';
import { PATH_QUALITY_DEFAULTS } from '../../src/probes-node/path-quality.js';

const noEnv = {} as NodeJS.ProcessEnv;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

function file(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iceprobe-cfg-'));
  const p = join(dir, 'ice.json');
  writeFileSync(p, content);
  return p;
}

describe('resolveConfig', () => {
  it('an empty --turn-secret or --credential (an unset CI variable) is a config error naming the flag, one line each', () => {
    const url = ['turn:turn.example.com:3478'];
    expect(problemsOf(() => resolveConfig({ env: noEnv, urls: url, turnSecret: '' }))).toEqual([expect.stringMatching(/^--turn-secret is empty/)]);
    expect(problemsOf(() => resolveConfig({ env: noEnv, urls: url, username: 'u', credential: '' }))).toEqual([expect.stringMatching(/^--credential is empty/)]);
    expect(problemsOf(() => resolveConfig({ env: { ICEPROBE_TURN_SECRET: '' } as NodeJS.ProcessEnv, urls: url }))).toEqual([expect.stringMatching(/^ICEPROBE_TURN_SECRET is set but empty/)]);
  });
  it('short passwords (1 and 2 characters) are accepted: servers accept them', () => {
    for (const credential of ['x', 'ab']) {
      const c = resolveConfig({ env: noEnv, urls: ['turn:turn.example.com:3478'], username: 'u', credential });
      expect(c.servers[0]).toMatchObject({ credential, credentialSource: 'given' });
    }
  });
  it('accepts the browser RTCConfiguration shape, string or array urls, other members tolerated', () => {
    const c = resolveConfig({
      env: noEnv,
      config: {
        bundlePolicy: 'max-bundle',
        iceServers: [
          { urls: 'stun:stun.example.com' },
          { urls: ['turn:turn.example.com?transport=udp', 'turns:turn.example.com:443'], username: 'u', credential: 'pw1' },
        ],
      },
    });
    expect(c.servers.map((s) => s.uri.canonical)).toEqual([
      'stun:stun.example.com:3478',
      'turn:turn.example.com:3478?transport=udp',
      'turns:turn.example.com:443?transport=tcp',
    ]);
    expect(c.servers[1]).toMatchObject({ username: 'u', credential: 'pw1', credentialSource: 'given' });
    expect(c.timeoutMs).toBe(5000);
  });

  it('reports every problem at once, each with its path', () => {
    const p = file(
      JSON.stringify({
        iceServers: [{ urls: 42 }, { urls: 'turn:a.test', usernme: 'x' }],
        iceprobe: { timeoutMs: 'soon', bogus: 1 },
      }),
    );
    const problems = problemsOf(() => resolveConfig({ env: noEnv, configPath: p }));
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(problems.some((x) => x.includes('iceServers[0].urls'))).toBe(true);
    expect(problems.some((x) => x.includes('iceServers[1]') && x.includes('"usernme"'))).toBe(true);
    expect(problems.some((x) => x.includes('iceprobe.timeoutMs'))).toBe(true);
    expect(problems.some((x) => x.includes('iceprobe') && x.includes('"bogus"'))).toBe(true);
    for (const x of problems) expect(x.startsWith(p)).toBe(true);
  });

  it('stage 3 reports all bad URLs and missing credentials together', () => {
    const problems = problemsOf(() =>
      resolveConfig({ env: noEnv, urls: ['stun:ok.test', 'http://x.test', 'turn:t.test', 'turn:[::1'] }),
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^--url #2: /);
    expect(problems[1]).toMatch(/^--url #3: .*needs credentials/);
    expect(problems[2]).toMatch(/^--url #4: /);
  });

  it('names a missing or garbled file', () => {
    expect(problemsOf(() => resolveConfig({ env: noEnv, configPath: '/nonexistent/ice.json' }))[0]).toMatch(/ice\.json: file not found/);
    expect(problemsOf(() => resolveConfig({ env: noEnv, configPath: file('{"iceServers": [') }))[0]).toMatch(/not valid JSON/);
  });

  it('takes credentials from the environment', () => {
    const c = resolveConfig({ env: { ICEPROBE_USERNAME: 'envuser', ICEPROBE_CREDENTIAL: 'envpass' }, urls: ['turn:t.test'] });
    expect(c.servers[0]).toMatchObject({ username: 'envuser', credential: 'envpass', credentialSource: 'given' });
    expect(c.secrets.redact('x envpass y')).toBe('x [redacted] y');
  });

  it('mints TURN REST credentials from a shared secret (flag or environment)', () => {
    const now = () => 1_700_000_000_000;
    const c = resolveConfig({ env: { ICEPROBE_TURN_SECRET: 'shared-secret' }, urls: ['turn:t.test', 'stun:s.test'], now });
    expect(c.servers[0]).toMatchObject({ username: '1700003600:iceprobe', credentialSource: 'minted' });
    expect(c.servers[1]).toMatchObject({ username: null, credential: null, credentialSource: 'none' });
    expect(c.secrets.redact(`${c.servers[0]?.credential} shared-secret`)).toBe('[redacted] [redacted]');
  });

  it('carries the TURN REST secret for later stages: it mints, and serializes as [redacted] only', () => {
    const now = () => 1_700_000_000_000;
    const c = resolveConfig({ env: noEnv, turnSecret: 'shared-secret-7f2a', urls: ['turn:t.test'], username: 'carol', now });
    // The user a minted credential is for, so serve mints afresh without taking the username apart.
    expect(c.servers[0]).toMatchObject({ username: '1700003600:carol', credentialSource: 'minted', restUser: 'carol' });
    const again = c.turnSecret?.mint('carol', now(), 3_600);
    expect(again).toEqual({ username: '1700003600:carol', credential: c.servers[0]?.credential, expiresAt: 1_700_003_600 });
    // Secrets (free-text redaction) holds every secret by design; everything else must not.
    const { secrets: _text, ...structural } = c;
    for (const shown of [JSON.stringify(structural), inspect(structural, { depth: 10, showHidden: true }), JSON.stringify(structuredClone(structural)), JSON.stringify(Object.entries(c.turnSecret ?? {}))]) {
      expect(shown).not.toContain('shared-secret-7f2a');
    }
    expect(JSON.stringify({ turnSecret: c.turnSecret })).toBe('{"turnSecret":"[redacted]"}');
  });

  it('has no TURN REST secret, and no restUser, when none is given', () => {
    const c = resolveConfig({ env: noEnv, urls: ['turn:t.test'], username: 'u', credential: 'pw' });
    expect(c.turnSecret).toBeNull();
    expect(c.servers[0]?.restUser).toBeUndefined();
  });

  it('call duration: the flag, else the file, else the caller\'s default, else check\'s', () => {
    expect(resolveConfig({ env: noEnv }).durationS).toBe(CHECK_CALL_DURATION_S);
    expect(resolveConfig({ env: noEnv, defaultDurationS: VISIT_CALL_DURATION_S }).durationS).toBe(VISIT_CALL_DURATION_S);
    expect(resolveConfig({ env: noEnv, defaultDurationS: VISIT_CALL_DURATION_S, config: { iceprobe: { durationS: 7 } } }).durationS).toBe(7);
    expect(resolveConfig({ env: noEnv, durationS: 1, defaultDurationS: VISIT_CALL_DURATION_S, config: { iceprobe: { durationS: 7 } } }).durationS).toBe(1);
  });

  it('drops duplicate URLs and never echoes a credential', () => {
    const c = resolveConfig({ env: noEnv, urls: ['turn:t.test', 'turn:t.test:3478?transport=udp'], username: 'u', credential: 'topsecret' });
    expect(c.servers).toHaveLength(1);
    expect(JSON.stringify(echoServers(c.servers))).not.toContain('topsecret');
  });

  it('rejects out-of-range numbers', () => {
    expect(problemsOf(() => resolveConfig({ env: noEnv, timeoutMs: 5 }))[0]).toMatch(/--timeout/);
    expect(problemsOf(() => resolveConfig({ env: noEnv, durationS: 0 }))[0]).toMatch(/--duration/);
    expect(problemsOf(() => resolveConfig({ env: noEnv, lossProbes: 5 }))[0]).toMatch(/--loss-probes/);
    expect(problemsOf(() => resolveConfig({ env: noEnv, lossProbes: 10.5 }))[0]).toMatch(/--loss-probes/);
    expect(problemsOf(() => resolveConfig({ env: noEnv, config: { iceprobe: { lossProbes: 100_000 } } })).join('\n')).toMatch(/iceprobe\.lossProbes/);
  });

  it('loss probes: the burst default, or what the flag or config file says (the flag wins)', () => {
    expect(resolveConfig({ env: noEnv }).lossProbes).toBe(PATH_QUALITY_DEFAULTS.count);
    expect(resolveConfig({ env: noEnv, config: { iceprobe: { lossProbes: 800 } } }).lossProbes).toBe(800);
    expect(resolveConfig({ env: noEnv, lossProbes: 50, config: { iceprobe: { lossProbes: 800 } } }).lossProbes).toBe(50);
  });
});
