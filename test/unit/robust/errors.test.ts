/** Error lines: inputs echoed escaped and bounded, one line per problem (issue 14). */
import { describe, expect, it } from 'vitest';
import { ECHO_MAX, LINE_MAX, echoInput, oneLine } from '../../../src/core/errors.js';
import { parseIceUri, withoutUserinfo } from '../../../src/core/uri.js';
import { serverConfigInput } from '../../../src/cli/server-args.js';
import { UsageError } from '../../../src/core/errors.js';

describe('echoInput', () => {
  it('escapes newlines, ANSI escapes and bidi overrides, so an input can neither split a line nor repaint the terminal', () => {
    const out = echoInput('a\nb\r\x1b[31mred\x1b[0m\u202eevil\u2028');
    expect(out).toBe('a\\nb\\r\\u001b[31mred\\u001b[0m\\u202eevil\\u2028');
    expect([...out].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && !(c.charCodeAt(0) >= 0x2028 && c.charCodeAt(0) <= 0x202e))).toBe(true);
  });

  it('cuts long input and says how much was left out', () => {
    const out = echoInput('x'.repeat(10_000));
    expect(out.length).toBeLessThan(ECHO_MAX + 40);
    expect(out).toContain(`(${10_000 - ECHO_MAX} more characters)`);
  });

  it('oneLine folds a multi-line message (yargs "Invalid values:\\n  Argument: …") and bounds it', () => {
    expect(oneLine('Invalid values:\n  Argument: family, Given: 5, Choices: 4, 6')).toBe('Invalid values: Argument: family, Given: 5, Choices: 4, 6');
    expect(oneLine('y'.repeat(50_000)).length).toBeLessThan(LINE_MAX + 40);
  });
});

describe('URL problems', () => {
  it('a 10 KB URL gives a short one-line problem', () => {
    const r = parseIceUri(`turn:${'h'.repeat(10_000)}:99999`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.length).toBeLessThan(400);
      expect(r.problem).not.toContain('\n');
    }
  });

  it('a newline in a URL does not split the problem', () => {
    const r = parseIceUri('turn:evil.test\niceprobe: forged line');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).not.toContain('\n');
  });

  it('never echoes URL userinfo (turn:alice:pw@host), and says to use --username/--credential', () => {
    for (const url of ['turn:alice:s3cr3t-pw@turn.example.com', 'turns:alice:s3cr3t-pw@turn.example.com:443?transport=tcp', 'turn://alice:s3cr3t-pw@turn.example.com']) {
      const r = parseIceUri(url);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problem).not.toContain('s3cr3t-pw');
        expect(r.problem).not.toContain('alice');
        expect(r.problem).toMatch(/--username and --credential/);
      }
    }
    expect(withoutUserinfo('turn:alice:pw@h.test?transport=udp')).toBe('turn:…@h.test?transport=udp');
  });
});

describe('--url with no value', () => {
  it('is a usage error, not a silent check of the embedded server', () => {
    expect(() => serverConfigInput({ url: [] })).toThrow(UsageError);
    expect(() => serverConfigInput({ url: [''] })).toThrow(UsageError);
    expect(serverConfigInput({ url: ['stun:s.test'] }).urls).toEqual(['stun:s.test']);
    expect(serverConfigInput({}).urls).toBeUndefined();
  });
});
