/**
 * iceprobe's own local HTTP server: serves the in-browser probe page (probes/index.html and the
 * compiled dist/probes/*.js). Headless Chromium loads it from here; `iceprobe serve` will serve
 * the same page to people's browsers. Static files only, from an allow-list.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { registerCleanup } from '../core/lifecycle.js';


const FILES: Record<string, { path: string; type: string }> = {
  '/': { path: 'probes/index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { path: 'probes/index.html', type: 'text/html; charset=utf-8' },
  // iceprobe serve: the page a person opens (the echo peer loads /index.html).
  '/serve.html': { path: 'probes/serve.html', type: 'text/html; charset=utf-8' },
};

export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface ProbeServer {
  server: Server;
  origin: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * Answers a GET/HEAD for an allow-listed page or a compiled probe module (`/<name>.js` from
 * dist/probes/); 404 for anything else. `pathname` overrides the request's path (serve maps `/`).
 */
export async function serveProbeFile(req: IncomingMessage, res: ServerResponse, pathname?: string, headers: Record<string, string> = {}): Promise<void> {
  const path = pathname ?? new URL(req.url ?? '/', 'http://x').pathname;
  const m = /^\/([a-z0-9-]+\.js)$/.exec(path);
  const f = FILES[path] ?? (m ? { path: `dist/probes/${m[1]}`, type: 'text/javascript; charset=utf-8' } : undefined);
  if (!f || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  try {
    const body = await readFile(new URL(f.path, `file://${PACKAGE_ROOT}`));
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`missing ${f.path}: run "npm run build"\n`);
  }
}

export async function startProbeServer(opts: { host?: string; port?: number; extra?: Handler } = {}): Promise<ProbeServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void (async () => {
      if (opts.extra && (await opts.extra(req, res))) return;
      await serveProbeFile(req, res);
    })();
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const close = async () => {
    unregister();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  const unregister = registerCleanup('probe-server', close);
  return { server, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close };
}
