/** The TURN Allocate state machine driven by scripted server answers. */
import { describe, expect, it } from 'vitest';
import { longTermKey } from '../../../src/core/credentials.js';
import type { TransactionResult } from '../../../src/net/transaction.js';
import { ProtocolCode, statusOf } from '../../../src/core/codes.js';
import { allocateFlow, restExpiryOf, type Transact } from '../../../src/probes-node/turn-flow.js';
import {
  AttributeType,
  Method,
  addressAttribute,
  decodeMessage,
  encodeMessage,
  errorCode,
  lifetime,
  nonce,
  readLifetime,
  readText,
  realm,
  software,
  unknownAttributes,
  valueOf,
  verifyIntegrity,
  type AttributeSpec,
  type StunMessage,
} from '../../../src/stun/index.js';

const USER = 'alice';
const PASS = 'secret-pass';
const REALM = 'realm.test';
const KEY = longTermKey(USER, REALM, PASS);

type Reply = (req: StunMessage) => Buffer | { fail: TransactionResult & { ok: false } };

function script(...replies: Reply[]) {
  const seen: StunMessage[] = [];
  const transact: Transact = async (raw) => {
    const d = decodeMessage(raw);
    if (!d.ok) throw new Error('client sent an undecodable request');
    seen.push(d.message);
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected request #${seen.length}`);
    const out = reply(d.message);
    if (!Buffer.isBuffer(out)) return out.fail;
    const r = decodeMessage(out);
    if (!r.ok) throw new Error('bad scripted reply');
    return { ok: true, response: r.message, rttMs: 3, sends: 1, evidence: { sendTimesMs: [0] } };
  };
  return { transact, seen };
}

const error = (code: number, extra: AttributeSpec[] = [], key?: Buffer): Reply => (req) =>
  encodeMessage({ method: req.method, cls: 'error', transactionId: req.transactionId, attributes: [errorCode({ code, reason: `reason ${code}` }), ...extra] }, key ? { integrityKey: key, fingerprint: true } : { fingerprint: true });
const challenge = (n = 'nonce-1', r = REALM) => error(401, [realm(r), nonce(n)]);
const granted = (opts: { key?: Buffer; relayed?: boolean } = {}): Reply => (req) =>
  encodeMessage(
    {
      method: Method.Allocate,
      cls: 'success',
      transactionId: req.transactionId,
      attributes: [
        ...(opts.relayed === false ? [] : [addressAttribute(AttributeType.XOR_RELAYED_ADDRESS, { family: 4, address: '198.18.0.5', port: 50_000 }, req.transactionId)]),
        addressAttribute(AttributeType.XOR_MAPPED_ADDRESS, { family: 4, address: '198.18.0.2', port: 40_000 }, req.transactionId),
        lifetime(600),
        software('fake-turn'),
      ],
    },
    { integrityKey: opts.key ?? KEY, fingerprint: true },
  );
const refreshed: Reply = (req) => encodeMessage({ method: Method.Refresh, cls: 'success', transactionId: req.transactionId, attributes: [lifetime(0)] }, { integrityKey: KEY, fingerprint: true });
const timeout: Reply = () => ({ fail: { ok: false, code: 'TIMEOUT', detail: 'no answer', elapsedMs: 1000, sends: 7, evidence: { sendTimesMs: [] } } });

const run = (t: Transact, extra: Partial<Parameters<typeof allocateFlow>[1]> = {}) => allocateFlow(t, { username: USER, password: PASS, nowMs: Date.UTC(2030, 0, 1), ...extra });

describe('allocateFlow', () => {
  it('401 challenge → authenticated Allocate → Refresh(0): OK with every detail', async () => {
    const s = script(challenge(), granted(), refreshed);
    const r = await run(s.transact);
    expect(r.code).toBe(ProtocolCode.OK);
    expect(r.steps.map((x) => [x.step, x.outcome])).toEqual([['allocate', 'error 401'], ['allocate-auth', 'success'], ['refresh', 'success']]);
    expect(r).toMatchObject({ realm: REALM, relayedAddress: '198.18.0.5:50000', mappedAddress: '198.18.0.2:40000', lifetimeS: 600, software: 'fake-turn', integrity: 'valid', released: true });
    // what the client sent: unauthenticated first, then USERNAME/REALM/NONCE + a MESSAGE-INTEGRITY the server can verify
    const [first, auth, refresh] = s.seen as [StunMessage, StunMessage, StunMessage];
    expect(readText(first, AttributeType.USERNAME)).toBeUndefined();
    expect(first.attributes.find((a) => a.type === AttributeType.REQUESTED_TRANSPORT)?.value[0]).toBe(17);
    expect(valueOf(readText(auth, AttributeType.USERNAME))).toBe(USER);
    expect(valueOf(readText(auth, AttributeType.REALM))).toBe(REALM);
    expect(valueOf(readText(auth, AttributeType.NONCE))).toBe('nonce-1');
    expect(verifyIntegrity(auth, KEY)).toBe('valid');
    expect(auth.fingerprint).toBe('valid');
    expect(refresh.method).toBe(Method.Refresh);
    expect(valueOf(readLifetime(refresh))).toBe(0);
    expect(verifyIntegrity(refresh, KEY)).toBe('valid');
  });

  it('438 stale nonce → retries with the new nonce', async () => {
    const s = script(challenge('n1'), error(438, [realm(REALM), nonce('n2')]), granted(), refreshed);
    const r = await run(s.transact);
    expect(r.code).toBe(ProtocolCode.OK);
    expect(valueOf(readText(s.seen[2]!, AttributeType.NONCE))).toBe('n2');
  });
  it('438 forever → TURN_STALE_NONCE after the bounded retries', async () => {
    const stale = error(438, [realm(REALM), nonce('again')]);
    const s = script(challenge(), stale, stale, stale);
    const r = await run(s.transact);
    expect(r.code).toBe(ProtocolCode.TURN_STALE_NONCE);
    expect(s.seen).toHaveLength(4);
  });
  it('438 in another realm → TURN_REALM_MISMATCH', async () => {
    const r = await run(script(challenge(), error(438, [realm('elsewhere.test'), nonce('n2')])).transact);
    expect(r.code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
  });
  it('401 after authenticating → TURN_AUTH_FAILED with the server error', async () => {
    const r = await run(script(challenge(), challenge('n2')).transact);
    expect(r.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(r.errorCode).toEqual({ code: 401, reason: 'reason 401' });
  });
  it('401 with an expired TURN REST username → TURN_CREDENTIAL_EXPIRED', async () => {
    const r = await allocateFlow(script(challenge(), challenge()).transact, { username: '1700000000:alice', password: PASS, nowMs: Date.UTC(2030, 0, 1) });
    expect(r.code).toBe(ProtocolCode.TURN_CREDENTIAL_EXPIRED);
    expect(restExpiryOf('1700000000:alice')).toBe(1_700_000_000);
    expect(restExpiryOf('alice')).toBeNull();
  });
  it('a server realm other than the expected one → TURN_REALM_MISMATCH, on 401 and on success', async () => {
    expect((await run(script(challenge(), challenge()).transact, { expectedRealm: 'x.test' })).code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
    expect((await run(script(challenge(), granted()).transact, { expectedRealm: 'x.test', release: false })).code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
  });
  it('401 without REALM/NONCE → TURN_NO_AUTH_CHALLENGE', async () => {
    expect((await run(script(error(401)).transact)).code).toBe(ProtocolCode.TURN_NO_AUTH_CHALLENGE);
  });

  it.each([
    [403, ProtocolCode.TURN_FORBIDDEN],
    [437, ProtocolCode.TURN_ALLOCATION_MISMATCH],
    [440, ProtocolCode.TURN_ADDRESS_FAMILY_NOT_SUPPORTED],
    [441, ProtocolCode.TURN_WRONG_CREDENTIALS],
    [442, ProtocolCode.TURN_UNSUPPORTED_TRANSPORT],
    [486, ProtocolCode.TURN_QUOTA],
    [508, ProtocolCode.TURN_CAPACITY],
    [500, ProtocolCode.TURN_ERROR],
    [599, ProtocolCode.TURN_ERROR],
  ])('error %i on the authenticated Allocate → %s (fail, with the code in details)', async (code, expected) => {
    const r = await run(script(challenge(), error(code)).transact);
    expect(r.code).toBe(expected);
    expect(statusOf(r.code)).toBe('fail');
    expect(r.errorCode?.code).toBe(code);
  });
  it('400 to the authenticated retry after a valid challenge is a credential rejection: TURN_AUTH_FAILED, the 400 kept as evidence', async () => {
    const r = await run(script(challenge(), error(400)).transact);
    expect(r.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(r.errorCode).toEqual({ code: 400, reason: 'reason 400' });
    expect(r.authRejection).toEqual({ step: 'allocate-auth', serverCode: 400, reason: 'reason 400' });
    expect(r.message).toContain('400');
  });
  it('401 to the authenticated retry carries authRejection 401', async () => {
    const r = await run(script(challenge(), challenge('n2')).transact);
    expect(r.authRejection).toMatchObject({ serverCode: 401 });
  });
  it('400 without a challenge first stays TURN_BAD_REQUEST (the request itself was refused)', async () => {
    const r = await run(script(error(400)).transact);
    expect(r.code).toBe(ProtocolCode.TURN_BAD_REQUEST);
    expect(r.authRejection).toBeNull();
  });
  it('400 to the retry with an expired TURN REST username → TURN_CREDENTIAL_EXPIRED; with another expected realm → TURN_REALM_MISMATCH', async () => {
    const expired = await allocateFlow(script(challenge(), error(400)).transact, { username: '1700000000:alice', password: PASS, nowMs: Date.UTC(2030, 0, 1) });
    expect(expired.code).toBe(ProtocolCode.TURN_CREDENTIAL_EXPIRED);
    expect(expired.authRejection).toMatchObject({ serverCode: 400 });
    expect((await run(script(challenge(), error(400)).transact, { expectedRealm: 'x.test' })).code).toBe(ProtocolCode.TURN_REALM_MISMATCH);
  });
  it('other refusals of the retry are not read as credentials (403, 420, 500 keep their own codes)', async () => {
    for (const [code, expected] of [[403, ProtocolCode.TURN_FORBIDDEN], [420, ProtocolCode.TURN_UNKNOWN_ATTRIBUTE], [500, ProtocolCode.TURN_ERROR]] as const) {
      const r = await run(script(challenge(), error(code)).transact);
      expect(r.code).toBe(expected);
      expect(r.authRejection).toBeNull();
    }
  });
  it('pion/turn v2 bytes: its 401 challenge, then its 400 (empty reason, no FINGERPRINT) to a wrong password → TURN_AUTH_FAILED', async () => {
    // Captured from pion/turn 2.1.0 (Debian golang-github-pion-turn.v2-dev, test/peers/pion) over UDP:
    // the challenge to an unauthenticated Allocate, then its answer to a wrong password for "alice"
    // (an unknown user gets the same bytes). The flow ignores their transaction ids here.
    const PION_CHALLENGE = '0113003c2112a442699b6af037722b0df5212b6d00090004000004010015002064643738643034376634373930306439356333353831326332386166633235660014000970696f6e2e74657374000000';
    const PION_400 = '011300082112a44254778b131032a57225970e9d0009000400000400';
    const fixed = (hex: string): Reply => () => Buffer.from(hex, 'hex');
    const r = await run(script(fixed(PION_CHALLENGE), fixed(PION_400)).transact);
    expect(r.code).toBe(ProtocolCode.TURN_AUTH_FAILED);
    expect(r.realm).toBe('pion.test');
    expect(r.errorCode).toEqual({ code: 400, reason: '' });
    expect(r.authRejection).toEqual({ step: 'allocate-auth', serverCode: 400, reason: '' });
    expect(r.steps.map((x) => x.outcome)).toEqual(['error 401', 'error 400']);
  });
  it('420 reports the unknown attributes; 300 the alternate server', async () => {
    const r = await run(script(challenge(), error(420, [unknownAttributes([0x0019])])).transact);
    expect(r.code).toBe(ProtocolCode.TURN_UNKNOWN_ATTRIBUTE);
    expect(r.unknownAttributes).toEqual(['0x0019']);
    const alt = await run(script(error(300, [addressAttribute(AttributeType.ALTERNATE_SERVER, { family: 4, address: '198.18.0.77', port: 3478 }, Buffer.alloc(12))])).transact);
    expect(alt.code).toBe(ProtocolCode.TURN_TRY_ALTERNATE);
    expect(alt.alternateServer).toBe('198.18.0.77:3478');
  });
  it('an error on the first, unauthenticated Allocate is mapped too (e.g. 403)', async () => {
    expect((await run(script(error(403)).transact)).code).toBe(ProtocolCode.TURN_FORBIDDEN);
  });
  it('success whose MESSAGE-INTEGRITY does not validate → TURN_INTEGRITY_INVALID', async () => {
    const r = await run(script(challenge(), granted({ key: Buffer.from('not the key') })).transact);
    expect(r.code).toBe(ProtocolCode.TURN_INTEGRITY_INVALID);
  });
  it('success without XOR-RELAYED-ADDRESS → TURN_NO_RELAYED_ADDRESS', async () => {
    expect((await run(script(challenge(), granted({ relayed: false })).transact)).code).toBe(ProtocolCode.TURN_NO_RELAYED_ADDRESS);
  });
  it('Refresh failing → TURN_REFRESH_FAILED, a warning; 438 on Refresh is retried', async () => {
    const r = await run(script(challenge(), granted(), timeout).transact);
    expect(r.code).toBe(ProtocolCode.TURN_REFRESH_FAILED);
    expect(statusOf(r.code)).toBe('warn');
    expect(r.relayedAddress).toBe('198.18.0.5:50000');
    const again = await run(script(challenge(), granted(), error(438, [realm(REALM), nonce('n9')]), refreshed).transact);
    expect(again.code).toBe(ProtocolCode.OK);
    expect(again.released).toBe(true);
  });
  it('a transport failure mid-flow carries its code (TIMEOUT)', async () => {
    const r = await run(script(challenge(), timeout).transact);
    expect(r.code).toBe(ProtocolCode.TIMEOUT);
    expect(r.steps.at(-1)).toMatchObject({ step: 'allocate-auth', outcome: 'TIMEOUT', sends: 7 });
  });
  it('a server without authentication: OK on the first Allocate, integrity absent', async () => {
    const open: Reply = (req) =>
      encodeMessage({ method: Method.Allocate, cls: 'success', transactionId: req.transactionId, attributes: [addressAttribute(AttributeType.XOR_RELAYED_ADDRESS, { family: 6, address: '2001:db8::5', port: 1 }, req.transactionId)] });
    const noAuthRefresh: Reply = (req) => encodeMessage({ method: Method.Refresh, cls: 'success', transactionId: req.transactionId });
    const r = await run(script(open, noAuthRefresh).transact);
    expect(r).toMatchObject({ code: ProtocolCode.OK, integrity: 'absent', relayedAddress: '[2001:db8::5]:1', released: true });
  });
});
