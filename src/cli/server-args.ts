/** The server-selection flags `check` and `serve` share, turned into a ConfigInput. */
import type { ConfigInput } from '../config/config.js';

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
