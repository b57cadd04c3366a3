/**
 * The one place that picks the automation for an engine (see ./engine.ts). Firefox's driver
 * (puppeteer-core) is loaded only when a run asks for Firefox, so a Chromium-only run does not
 * pay for it.
 */
import { EnvironmentError } from '../core/errors.js';
import type { Engine, LaunchOptions, ProbeBrowser } from './engine.js';
import { BrowserOwner } from './owner.js';

export interface EngineLaunchOptions extends LaunchOptions {
  /** PEM CA certificates to trust for TURNS (Firefox: its profile's NSS store; Chromium: a per-run NSS db under a temporary HOME). */
  extraCa?: readonly string[];
}

export async function launchBrowser(engine: Engine, opts: EngineLaunchOptions = {}): Promise<ProbeBrowser> {
  switch (engine) {
    case 'chromium':
      return BrowserOwner.launch({
        executablePath: opts.executablePath,
        ...(opts.insecureTls !== undefined ? { insecureTls: opts.insecureTls } : {}),
        ...(opts.fakeMedia !== undefined ? { fakeMedia: opts.fakeMedia } : {}),
        ...(opts.launchTimeoutMs !== undefined ? { launchTimeoutMs: opts.launchTimeoutMs } : {}),
        // --ca-file: a per-run NSS db (./ca-trust.ts); moot when every certificate error is ignored.
        ...(!opts.insecureTls && opts.extraCa && opts.extraCa.length > 0 ? { caCertificates: [...opts.extraCa] } : {}),
      });
    case 'firefox': {
      const { FirefoxOwner } = await import('./firefox.js');
      return FirefoxOwner.launch(opts);
    }
    default:
      throw new EnvironmentError(`unknown browser engine ${String(engine)}`);
  }
}
