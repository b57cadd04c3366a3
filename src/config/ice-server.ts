import type { ServerSpec } from './config.js';

/**
 * A configured server as the browser's RTCPeerConnection takes it: the canonical URL (TURN keeps
 * its ?transport) and, when given, the username and credential. The only ServerSpec → RTCIceServer.
 */
export function iceServer(s: ServerSpec): RTCIceServer {
  return {
    urls: s.uri.canonical,
    ...(s.username !== null ? { username: s.username } : {}),
    ...(s.credential !== null ? { credential: s.credential } : {}),
  };
}
