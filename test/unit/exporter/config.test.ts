import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { buildExporterConfig, describeModule, parseConfigText } from '../../../src/services/exporter/config.js';
import { BUILTIN_MODULES, targetUri } from '../../../src/services/exporter/modules.js';

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe('exporter config', () => {
  it('serves the built-in modules without a file', () => {
    const c = buildExporterConfig({}, 'built-in');
    expect([...c.modules.keys()]).toEqual(['stun', 'turn_udp', 'turn_tcp', 'turns', 'relay', 'tls', 'gather', 'call']);
    expect(c.maxInFlight).toBe(8);
    expect(c.timeoutOffsetS).toBe(0.5);
  });

  it('adds modules and replaces a built-in by name, with the prober\'s defaults', () => {
    const c = buildExporterConfig(
      {
        maxInFlight: 3,
        modules: {
          turn_udp: { prober: 'turn', timeoutSeconds: 2, credentials: { type: 'static', username: 'u', password: 'secret-pw' } },
          eu_turns: { prober: 'turn', scheme: 'turns', credentials: { type: 'rest', secretEnv: 'TURN_SECRET', user: 'probe' } },
          quick_call: { prober: 'call', callDurationSeconds: 1 },
        },
      },
      'x.json',
    );
    expect(c.maxInFlight).toBe(3);
    expect(c.modules.get('turn_udp')).toMatchObject({ prober: 'turn', scheme: 'turn', transport: 'udp', port: 3478, timeoutMs: 2_000, credentials: { type: 'static' } });
    expect(c.modules.get('eu_turns')).toMatchObject({ scheme: 'turns', transport: 'tcp', port: 5349, credentials: { type: 'rest', user: 'probe', ttlSeconds: 600 } });
    // A call module without credentials reads the same environment variables as iceprobe check.
    expect(c.modules.get('quick_call')).toMatchObject({ callDurationS: 1, credentials: { type: 'env', usernameEnv: 'ICEPROBE_USERNAME' } });
  });

  it('reports every problem with its path', () => {
    const p = problems(() =>
      buildExporterConfig({ maxInFlight: 0, modules: { 'Bad-Name': { prober: 'stun' }, a: { prober: 'ping' }, b: { prober: 'turn', credentials: { type: 'rest', user: 'x' } }, c: { prober: 'stun', colour: 1 } } }, 'x.json'),
    );
    expect(p.some((l) => l.startsWith('x.json: maxInFlight:'))).toBe(true);
    expect(p.some((l) => l.startsWith('x.json: modules.Bad-Name'))).toBe(true);
    expect(p.some((l) => l.startsWith('x.json: modules.a.prober'))).toBe(true);
    expect(p.some((l) => l.startsWith('x.json: modules.b.credentials'))).toBe(true);
    expect(p.some((l) => l.includes('"colour"'))).toBe(true);
  });

  it('checks the meaning too: scheme per prober, a CA file that holds a certificate', () => {
    const p = problems(() => buildExporterConfig({ modules: { s: { prober: 'stun', scheme: 'turn' }, t: { prober: 'tls', caFile: 'ca.pem' } } }, 'x.json', () => 'not a pem'));
    expect(p).toHaveLength(2);
    const unreadable = problems(() =>
      buildExporterConfig({ modules: { t: { prober: 'tls', caFile: 'missing.pem' } } }, 'x.json', () => {
        throw Object.assign(new Error('x'), { code: 'ENOENT' });
      }),
    );
    expect(unreadable[0]).toMatch(/missing\.pem: file not found/);
  });

  it('runs browser modules in Chromium unless they say firefox; Node-side modules have no browser', () => {
    const c = buildExporterConfig({ browser: { firefoxPath: '/opt/ff/firefox' }, modules: { ff_gather: { prober: 'gather', browser: 'firefox' }, ff_call: { prober: 'call', browser: 'firefox' }, cr_gather: { prober: 'gather', browser: 'chromium' }, plain: { prober: 'gather' } } }, 'x.json');
    expect(c.modules.get('ff_gather')?.browser).toBe('firefox');
    expect(c.modules.get('ff_call')).toMatchObject({ browser: 'firefox', credentials: { type: 'env', usernameEnv: 'ICEPROBE_USERNAME' } });
    expect(c.modules.get('cr_gather')?.browser).toBe('chromium');
    expect(c.modules.get('plain')?.browser).toBe('chromium');
    expect(c.modules.get('gather')?.browser).toBe('chromium');
    expect(c.modules.get('turn_udp')?.browser).toBeNull();
    expect(c.browser.firefoxPath).toBe('/opt/ff/firefox');
    expect(describeModule(c.modules.get('ff_gather') ?? BUILTIN_MODULES[0]!)).toMatch(/^module ff_gather: prober gather in firefox,/);
  });

  it('reports a bad browser value with its path, in JSON and YAML alike, and "browser" on a Node-side module', () => {
    const json = problems(() => buildExporterConfig({ modules: { g: { prober: 'gather', browser: 'webkit' }, c: { prober: 'call', browser: 3 } } }, 'x.json'));
    expect(json).toHaveLength(2);
    expect(json[0]).toMatch(/^x\.json: modules\.g\.browser: "webkit" is not a browser engine; use "chromium" or "firefox"$/);
    expect(json[1]).toMatch(/^x\.json: modules\.c\.browser: 3 is not a browser engine/);
    const yamlText = 'modules:\n  g:\n    prober: gather\n    browser: Firefox\n';
    const yaml = problems(() => buildExporterConfig(parseConfigText(yamlText, 'x.yaml'), 'x.yaml'));
    expect(yaml).toEqual(['x.yaml: modules.g.browser: "Firefox" is not a browser engine; use "chromium" or "firefox"']);
    const node = problems(() => buildExporterConfig({ modules: { t: { prober: 'turn', browser: 'firefox' } } }, 'x.json'));
    expect(node).toHaveLength(1);
    expect(node[0]).toMatch(/^x\.json: modules\.t\.browser: prober turn runs in Node/);
    expect(problems(() => buildExporterConfig({ browser: { firefoxPath: '' } }, 'x.json'))[0]).toMatch(/^x\.json: browser\.firefoxPath:/);
  });

  it('refuses garbled JSON and garbled YAML with one line each', () => {
    expect(problems(() => parseConfigText('{', 'x.json'))[0]).toMatch(/not valid JSON/);
    expect(problems(() => parseConfigText('modules: {', 'x.yaml'))[0]).toMatch(/not valid YAML/);
    expect(problems(() => parseConfigText('a: 1\na: 2\n', 'x.yml'))[0]).toMatch(/not valid YAML/);
  });

  it('reads YAML as the same structure as JSON', () => {
    const json = { modules: { turn_eu: { prober: 'turn', credentials: { type: 'env', usernameEnv: 'TURN_USER', passwordEnv: 'TURN_PASS' } } } };
    const yamlText = 'modules:\n  turn_eu:\n    prober: turn\n    credentials:\n      type: env\n      usernameEnv: TURN_USER\n      passwordEnv: TURN_PASS\n';
    expect(parseConfigText(yamlText, 'exporter.yaml')).toEqual(json);
    expect(buildExporterConfig(parseConfigText(yamlText, 'exporter.yaml'), 'exporter.yaml').modules.has('turn_eu')).toBe(true);
  });

  it('accepts a short static password (servers do) and refuses an empty one', () => {
    const c = buildExporterConfig({ modules: { m: { prober: 'turn', credentials: { type: 'static', username: 'u', password: 'p' } } } }, 'x.json');
    expect(c.modules.has('m')).toBe(true);
    expect(problems(() => buildExporterConfig({ modules: { m: { prober: 'turn', credentials: { type: 'static', username: 'u', password: '' } } } }, 'x.json'))[0]).toMatch(/modules\.m\.credentials\.password/);
  });

  it('describes a module without its secrets', () => {
    const c = buildExporterConfig({ modules: { m: { prober: 'turn', credentials: { type: 'static', username: 'u', password: 'hunter2-static' } }, r: { prober: 'turn', credentials: { type: 'rest', secret: 'rest-secret-value' } } } }, 'x.json');
    const text = [describeModule(c.modules.get('m')!), describeModule(c.modules.get('r')!)].join('\n');
    expect(text).not.toContain('hunter2-static');
    expect(text).not.toContain('rest-secret-value');
    expect(text).toContain('TURN REST');
  });
});

describe('targets', () => {
  const mod = (name: string) => BUILTIN_MODULES.find((m) => m.name === name)!;
  const canonical = (name: string, target: string) => {
    const r = targetUri(mod(name), target);
    return r.ok ? r.uri.canonical : `! ${r.problem}`;
  };

  it('writes a bare host[:port] as the module\'s URL', () => {
    expect(canonical('stun', 'stun.example.com')).toBe('stun:stun.example.com:3478');
    expect(canonical('turn_udp', 'turn.example.com:3479')).toBe('turn:turn.example.com:3479?transport=udp');
    expect(canonical('turn_tcp', '127.0.0.1')).toBe('turn:127.0.0.1:3478?transport=tcp');
    expect(canonical('turns', 'turn.example.com')).toBe('turns:turn.example.com:5349?transport=tcp');
    expect(canonical('turn_udp', '[::1]:3478')).toBe('turn:[::1]:3478?transport=udp');
    expect(canonical('stun', '::1')).toBe('stun:[::1]:3478');
  });

  it('keeps a target that is a URL, if it fits the prober', () => {
    expect(canonical('turn_udp', 'turns:turn.example.com:443?transport=tcp')).toBe('turns:turn.example.com:443?transport=tcp');
    expect(canonical('gather', 'stun:stun.example.com')).toBe('stun:stun.example.com:3478');
    expect(canonical('stun', 'turn:turn.example.com')).toMatch(/^! module stun/);
    expect(canonical('tls', 'turn:turn.example.com?transport=udp')).toMatch(/^! module tls/);
  });

  it('refuses what is neither', () => {
    for (const t of ['', 'http://example.com/', 'a b', 'host:99999', 'user@host']) expect(canonical('stun', t)).toMatch(/^! /);
  });
});
