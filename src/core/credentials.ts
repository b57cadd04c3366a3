/**
 * Credential arithmetic, pure.
 *
 * - TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest-00 §2.2, coturn
 *   `use-auth-secret`): username = "<expiry unix seconds>:<user>",
 *   password = base64(HMAC-SHA1(shared secret, username)).
 * - Long-term credential key (RFC 8489 §9.2.2, MD5 variant): key = MD5(username ":" realm ":" password),
 *   each part after SASLprep (RFC 4013; src/stun/saslprep.ts), falling back to NFKC for input
 *   SASLprep prohibits (so a key is always computed and the server decides).
 */
import { createHash, createHmac } from 'node:crypto';
import { saslprep } from '../stun/saslprep.js';

export interface RestCredential {
  username: string;
  credential: string;
  expiresAt: number;
}

export function mintTurnRestCredential(secret: string, user: string, nowMs: number, ttlSeconds: number): RestCredential {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${user}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

export function longTermKey(username: string, realm: string, password: string): Buffer {
  const prep = (s: string) => saslprep(s) ?? s.normalize('NFKC');
  return createHash('md5').update(`${prep(username)}:${prep(realm)}:${prep(password)}`).digest();
}
