/** The server-selection flags `check` and `serve` share, turned into a ConfigInput. */
import type { ConfigInput } from '../config/config.js';
import { UsageError } from '../core/errors.js';

export interface ServerArgs {
  url?: (string | number)[] | undefined;
  username?: string | undefined;
  credential?: string | undefined;
  turnSecret?: string | undefined;
  config?: string | undefined;
  timeout?: number | undefined;
  duration?: number | undefined;
  lossProbes?: number | undefined;
  chromiumPath?: string | undefined;
}

export function serverConfigInput(args: ServerArgs): ConfigInput {
  // `--url` with nothing after it (or `--url=`) reaches us as []: checking the embedded server
  // instead would answer a question nobody asked.
  if (args.url !== undefined && (args.url.length === 0 || args.url.some((u) => String(u).trim() === ''))) {
    throw new UsageError('--url needs a value: a stun:, turn: or turns: URL, e.g. --url turn:turn.example.com:3478');
  }
  return {
    ...(args.url ? { urls: args.url.map(String) } : {}),
    ...(args.username !== undefined ? { username: args.username } : {}),
    ...(args.credential !== undefined ? { credential: args.credential } : {}),
    ...(args.turnSecret !== undefined ? { turnSecret: args.turnSecret } : {}),
    ...(args.config !== undefined ? { configPath: args.config } : {}),
    ...(args.timeout !== undefined ? { timeoutMs: args.timeout } : {}),
    ...(args.duration !== undefined ? { durationS: args.duration } : {}),
    ...(args.lossProbes !== undefined ? { lossProbes: args.lossProbes } : {}),
    ...(args.chromiumPath !== undefined ? { chromiumPath: args.chromiumPath } : {}),
  };
}
