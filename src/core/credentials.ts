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
import { inspect } from 'node:util';
import { saslprep } from '../stun/saslprep.js';
import { REDACTED } from './redact.js';

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

/**
 * A TURN REST shared secret as later stages hold it: it mints credentials and cannot be read back.
 * The secret lives in a private field, so JSON.stringify, util.inspect and a structural walk of
 * the resolved config (structuredClone, Object.entries, a spread) never see it: redacted by
 * structure, not by remembering to. Register the secret with Secrets too, for free text.
 */
export class TurnRestSecret {
  readonly #secret: string;

  constructor(secret: string) {
    if (secret === '') throw new Error('internal: an empty TURN REST secret');
    this.#secret = secret;
  }

  /** Fresh credentials for `user`, valid `ttlSeconds` from `nowMs`. */
  mint(user: string, nowMs: number, ttlSeconds: number): RestCredential {
    return mintTurnRestCredential(this.#secret, user, nowMs, ttlSeconds);
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `TurnRestSecret ${REDACTED}`;
  }
}

export function longTermKey(username: string, realm: string, password: string): Buffer {
  const prep = (s: string) => saslprep(s) ?? s.normalize('NFKC');
  return createHash('md5').update(`${prep(username)}:${prep(realm)}:${prep(password)}`).digest();
}
