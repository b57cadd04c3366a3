import { parseIceUri, type IceUri } from '../../../src/core/uri.js';
import type { ServerSpec } from '../../../src/config/config.js';

export function uri(url: string): IceUri {
  const r = parseIceUri(url);
  if (!r.ok) throw new Error(r.problem);
  return r.uri;
}

export function spec(url: string, username: string | null = null, credential: string | null = null): ServerSpec {
  return { url, uri: uri(url), username, credential, credentialSource: credential ? 'given' : 'none', origin: 'test' };
}

export function byId<T extends { id: string }>(checks: T[], id: string): T {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
}
