/**
 * Does this machine have a route to an address? A UDP socket's connect() asks the kernel for a
 * route (and a source address) without sending a packet: ENETUNREACH / EADDRNOTAVAIL mean none.
 * Used before probing a dual-stack host's IPv6 address, so a machine without IPv6 is told apart
 * from a server whose AAAA does not answer.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export type RouteCheck = (address: string) => Promise<boolean>;

/** Any port works: nothing is sent. 9 is discard (RFC 863). */
const ANY_PORT = 9;
const NO_ROUTE = new Set(['ENETUNREACH', 'EADDRNOTAVAIL']);

export const systemRouteCheck: RouteCheck = (address) =>
  new Promise((resolve) => {
    const family = isIP(address);
    if (family === 0) {
      resolve(false);
      return;
    }
    const sock = createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (ok: boolean) => {
      clearTimeout(bound);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(ok);
    };
    // connect() is a local syscall; the bound only guards against a bug.
    const bound = setTimeout(() => done(false), 1_000);
    sock.once('error', (e: NodeJS.ErrnoException) => done(!NO_ROUTE.has(String(e.code))));
    // Node hands a failed connect to the callback (not to 'error'): the socket is then not connected.
    sock.connect(ANY_PORT, address, () => {
      try {
        sock.remoteAddress();
        done(true);
      } catch {
        done(false);
      }
    });
  });
