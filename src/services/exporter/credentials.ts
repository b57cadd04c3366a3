/**
 * A module's TURN credentials for one probe: static, read from the environment at probe time
 * (so a rotated secret needs no reload), or TURN REST credentials minted per probe from a shared
 * secret (src/core/credentials.ts). Every value learned here is registered with the probe's
 * Secrets, which everything the probe writes passes through.
 */
import { mintTurnRestCredential } from '../../core/credentials.js';
import type { Secrets } from '../../core/redact.js';
import type { CredentialSource } from './modules.js';

export type ProbeCredentials =
  | { kind: 'none' }
  | { kind: 'given'; username: string; password: string; source: 'static' | 'env' | 'minted' }
  /** The module wants credentials and the environment lacks them: the probe fails with TURN_NO_CREDENTIALS. */
  | { kind: 'missing'; problem: string };

export function probeCredentials(c: CredentialSource, env: NodeJS.ProcessEnv, nowMs: number, secrets: Secrets): ProbeCredentials {
  switch (c.type) {
    case 'none':
      return { kind: 'none' };
    case 'static':
      secrets.add(c.password);
      return { kind: 'given', username: c.username, password: c.password, source: 'static' };
    case 'env': {
      const username = env[c.usernameEnv];
      const password = env[c.passwordEnv];
      secrets.add(password);
      if (!username || !password) {
        const unset = [!username ? c.usernameEnv : null, !password ? c.passwordEnv : null].filter((v) => v !== null).map((v) => `$${v}`);
        return { kind: 'missing', problem: `${unset.join(' and ')} not set in the exporter's environment` };
      }
      return { kind: 'given', username, password, source: 'env' };
    }
    case 'rest': {
      const secret = c.secret ?? (c.secretEnv !== undefined ? env[c.secretEnv] : undefined);
      secrets.add(secret);
      if (!secret) return { kind: 'missing', problem: `$${c.secretEnv ?? '?'} (the TURN REST secret) not set in the exporter's environment` };
      const minted = mintTurnRestCredential(secret, c.user, nowMs, c.ttlSeconds);
      secrets.add(minted.credential);
      return { kind: 'given', username: minted.username, password: minted.credential, source: 'minted' };
    }
  }
}
