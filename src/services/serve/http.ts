/**
 * serve's HTTP plumbing: the one error type a route throws, JSON in and out (bounded), and the
 * link-token gate. No route logic and no state: routes.ts decides, this speaks HTTP.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { echoInput } from '../../core/errors.js';
import { describeIssues } from './schema.js';

/** A refusal with its HTTP status: the route's answer, not a failure of the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

/** A request body must have arrived within this. */
const BODY_TIMEOUT_MS = 10_000;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(text);
}

/** The body as JSON: application/json only, at most `maxBytes`, within BODY_TIMEOUT_MS. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, `body of ${declared} bytes is over the limit of ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolveRead, reject) => {
    const timer = setTimeout(() => reject(new HttpError(408, `body not received within ${BODY_TIMEOUT_MS / 1000} s`)), BODY_TIMEOUT_MS);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        clearTimeout(timer);
        req.pause();
        reject(new HttpError(413, `body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolveRead();
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(new HttpError(400, `body could not be read: ${e.message}`));
    });
  });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

/** A posted value checked against its schema: 400 with the first problems' paths. */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, `invalid: ${describeIssues(r.error)}`);
  return r.data;
}

/**
 * A request listener over an async handler: an HttpError becomes its JSON answer (a 413 also
 * closes the connection, so the rest of the body is never read); anything else is logged as an
 * internal error (first line only) and answered 500.
 */
export function jsonErrors(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (e.status === 413) res.setHeader('connection', 'close');
        if (!res.headersSent) sendJson(res, e.status, { error: e.reason }, e.headers);
        if (e.status === 413) req.destroy();
      } else {
        log(`serve internal error: ${echoInput((e as Error).message.split('\n')[0] ?? '', 200)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      }
    });
  };
}

/**
 * The link tokens visitors present (the `x-iceprobe-token` header, or `?t=`), compared in
 * constant time. A visit is keyed by a hash of its token, so the token itself is never kept.
 */
export class LinkTokens {
  constructor(private readonly tokens: readonly string[]) {}

  get required(): boolean {
    return this.tokens.length > 0;
  }

  /** The request's token key ('-' with no tokens configured); 401 missing, 403 wrong. */
  authorize(req: IncomingMessage, url: URL): string {
    if (this.tokens.length === 0) return '-';
    const given = (req.headers['x-iceprobe-token'] as string | undefined) ?? url.searchParams.get('t') ?? undefined;
    if (given === undefined || given === '') throw new HttpError(401, 'this test link needs its token: open the full link you were sent');
    const t = this.match(given);
    if (t === null) throw new HttpError(403, 'this test link\'s token is not valid');
    return createHash('sha256').update(t).digest('hex').slice(0, 16);
  }

  private match(given: string): string | null {
    const g = Buffer.from(given);
    for (const t of this.tokens) {
      const b = Buffer.from(t);
      if (b.length === g.length && timingSafeEqual(b, g)) return t;
    }
    return null;
  }
}
