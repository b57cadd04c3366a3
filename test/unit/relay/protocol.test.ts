import { describe, expect, it } from 'vitest';
import { parseClientMessage, parseServerMessage, RelayErrorCode } from '../../../src/servers/relay/protocol.js';

const code = (text: string) => {
  const r = parseClientMessage(text);
  return r.ok ? 'OK' : r.code;
};

describe('parseClientMessage', () => {
  it('accepts every client message type', () => {
    const valid = [
      { type: 'join', room: 'call-1' },
      { type: 'join', room: 'a.b_c~d-e', token: 's3cret' },
      { type: 'leave' },
      { type: 'offer', sdp: 'v=0\r\n' },
      { type: 'answer', sdp: 'v=0\r\n' },
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 198.18.0.1 5000 typ relay', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' } },
      { type: 'candidate', candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null } },
      { type: 'candidate', candidate: null },
      { type: 'bye' },
      { type: 'ping' },
    ];
    for (const m of valid) {
      const r = parseClientMessage(JSON.stringify(m));
      expect(r.ok, JSON.stringify(m)).toBe(true);
      if (r.ok) expect(r.message.type).toBe(m.type);
    }
  });

  it('drops unknown fields instead of relaying them', () => {
    const r = parseClientMessage(JSON.stringify({ type: 'offer', sdp: 'x', evil: { nested: true } }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.message).toEqual({ type: 'offer', sdp: 'x' });
  });

  it('maps bad input to stable codes', () => {
    expect(code('{')).toBe(RelayErrorCode.BAD_JSON);
    expect(code('')).toBe(RelayErrorCode.BAD_JSON);
    expect(code('\u0000\u00ff')).toBe(RelayErrorCode.BAD_JSON);
    expect(code('null')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('[1,2]')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('42')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":7}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"room":"x"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"hello"}')).toBe(RelayErrorCode.UNKNOWN_TYPE);
    expect(code('{"type":"__proto__"}')).toBe(RelayErrorCode.UNKNOWN_TYPE);
    expect(code('{"type":"joined","room":"x","peerId":"p","peers":1}')).toBe(RelayErrorCode.UNKNOWN_TYPE);
    expect(code('{"type":"join"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"join","room":""}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"join","room":"has space"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"join","room":"new\\nline"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code(JSON.stringify({ type: 'join', room: 'r'.repeat(65) }))).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"join","room":"r","token":5}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"offer"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"offer","sdp":{}}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"candidate"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"candidate","candidate":"a=candidate"}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"candidate","candidate":{"sdpMid":"0"}}')).toBe(RelayErrorCode.INVALID_MESSAGE);
    expect(code('{"type":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-1}}')).toBe(RelayErrorCode.INVALID_MESSAGE);
  });

  it('never echoes a token back in an error message', () => {
    const r = parseClientMessage(JSON.stringify({ type: 'join', room: 'bad room', token: 'TOPSECRET-123' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).not.toContain('TOPSECRET');
  });
});

describe('parseServerMessage', () => {
  it('accepts server messages and rejects client ones', () => {
    expect(parseServerMessage('{"type":"joined","room":"r","peerId":"p1","peers":1}').ok).toBe(true);
    expect(parseServerMessage('{"type":"peer-left","peerId":"p1","reason":"lost"}').ok).toBe(true);
    expect(parseServerMessage('{"type":"offer","sdp":"x","from":"p1"}').ok).toBe(true);
    expect(parseServerMessage('{"type":"candidate","candidate":null,"from":"p1"}').ok).toBe(true);
    expect(parseServerMessage('{"type":"error","code":"ROOM_FULL","message":"m"}').ok).toBe(true);
    expect(parseServerMessage('{"type":"error","code":"NOT_A_CODE","message":"m"}').ok).toBe(false);
    expect(parseServerMessage('{"type":"offer","sdp":"x"}').ok).toBe(false);
    expect(parseServerMessage('{"type":"peer-left","peerId":"p1","reason":"whatever"}').ok).toBe(false);
    expect(parseServerMessage('nope').ok).toBe(false);
  });
});
