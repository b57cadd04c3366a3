/**
 * The one module that owns the browser's lifecycle: one headless Chromium per run, reused by
 * every page (gathering, calls), closed exactly once, killed on Ctrl-C.
 *
 * Which Chromium: an explicit path (--chromium-path / ICEPROBE_CHROMIUM / config), else a
 * system Chromium at a well-known path (Debian's headless shell, then its full Chromium; Chrome on
 * macOS and Windows), else the browser Playwright manages (`npx playwright install chromium`).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EnvironmentError } from '../core/errors.js';
import { registerCleanup } from '../core/lifecycle.js';
import { browserCaTrust, type CaTrust } from './ca-trust.js';
import { closeBounded, explicitExecutable, isExecutable, type ProbeBrowser, type ProbePage } from './engine.js';

/** Needed on headless CI machines with a closed network (see NOTES). */
export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The GPU service as a thread of the browser process, not a process of its own (nothing is
  // drawn: -13 MB PSS of the run's tree).
  '--in-process-gpu',
];

/**
 * Chromium reads only the last --disable-features: ours replaces Playwright's, so its list
 * (playwright-core's chromiumSwitches.ts, 1.65) is repeated here, with what the probe adds.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
];

/**
 * Renderer processes the probe never uses (issue 15): the omnibox popup's WebUI, which headless
 * Chromium loads into a renderer of its own at start (~55 MB PSS), and the spare renderer kept
 * warm for the next navigation.
 */
const MEMORY_DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

/** What ICE needs to be observable: loopback candidates and real (not mDNS) host addresses. */
export const WEBRTC_FLAGS = [
  '--allow-loopback-in-peer-connection',
  `--disable-features=${['WebRtcHideLocalIpsWithMdns', ...PLAYWRIGHT_DISABLED_FEATURES, ...MEMORY_DISABLED_FEATURES].join(',')}`,
];

const WELL_KNOWN = [
  // Debian's chromium-headless-shell: the same Chromium built without the browser UI (what
  // Playwright itself runs for headless). The whole run's peak PSS 390 MB against 502 with the
  // full binary, and ~0.9 s sooner (issue 15: 5 + 5 full checks, turn about, ALL_GOOD in all).
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/lib/chromium/chromium', // Debian: the binary itself (/usr/bin/chromium is a wrapper script)
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

export interface BrowserOptions {
  executablePath?: string | undefined;
  /** Accept self-signed TURNS certificates (lab/embedded only). */
  insecureTls?: boolean;
  /** Fake camera and microphone, no permission prompt. */
  fakeMedia?: boolean;
  extraArgs?: string[];
  launchTimeoutMs?: number;
  /** PEM CA certificates (--ca-file) the browser must trust for TURNS, as users' machines do. */
  caCertificates?: string[];
}

/** What became of --ca-file in the browser: trusted through a per-run NSS db, or why not. */
export type BrowserCaTrust = { status: 'trusted'; certificates: number } | { status: 'unavailable'; reason: string };

/** The browser's CA trust (ca-trust.ts): its launch environment, the report's view, and the cleanup. */
async function launchTrust(pems: string[] | undefined): Promise<{ env: NodeJS.ProcessEnv | undefined; view: BrowserCaTrust | null; dispose: () => void }> {
  if (!pems || pems.length === 0) return { env: undefined, view: null, dispose: () => undefined };
  const t: CaTrust = await browserCaTrust(pems);
  if (!t.ok) return { env: undefined, view: { status: 'unavailable', reason: t.reason }, dispose: () => undefined };
  return { env: { ...process.env, HOME: t.home }, view: { status: 'trusted', certificates: t.certificates }, dispose: t.dispose };
}

/** Resolves the executable; `undefined` means "let Playwright use its managed browser". */
export function resolveChromium(explicit: string | undefined): string | undefined {
  if (explicit !== undefined && explicit !== '') return explicitExecutable('--chromium-path', explicit, 'a Chromium or Chrome binary (on Debian /usr/lib/chromium/chromium)');
  return WELL_KNOWN.find(isExecutable);
}

/** Chromium through Playwright: the default engine (see ./engine.ts for the interface). */
export class BrowserOwner implements ProbeBrowser {
  readonly engine = 'chromium' as const;
  private closed = false;
  private readonly contexts = new Set<BrowserContext>();

  private constructor(
    private readonly browser: Browser,
    readonly executablePath: string | null,
    private readonly unregister: () => void,
    /** --ca-file in the browser (null: none given). */
    readonly caTrust: BrowserCaTrust | null = null,
    private readonly disposeTrust: () => void = () => undefined,
  ) {}

  static async launch(opts: BrowserOptions = {}): Promise<BrowserOwner> {
    const executablePath = resolveChromium(opts.executablePath);
    const args = [
      ...BASE_FLAGS,
      ...WEBRTC_FLAGS,
      ...(opts.insecureTls ? ['--ignore-certificate-errors'] : []),
      ...(opts.fakeMedia ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] : []),
      ...(opts.extraArgs ?? []),
    ];
    const trust = await launchTrust(opts.caCertificates);
    let browser: Browser;
    try {
      browser = await chromium.launch({
        ...(executablePath ? { executablePath } : {}),
        ...(trust.env ? { env: trust.env } : {}),
        // Playwright gives every launch a fresh, temporary --user-data-dir of its own.
        args,
        headless: true,
        timeout: opts.launchTimeoutMs ?? 20_000,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (e) {
      trust.dispose();
      const msg = (e as Error).message.split('\n')[0] ?? '';
      if (!executablePath && /Executable doesn't exist|browserType.launch/i.test(msg)) {
        throw new EnvironmentError(
          'no Chromium found: install it (Debian/Ubuntu: apt-get install chromium; elsewhere: npx playwright install chromium) or pass --chromium-path',
        );
      }
      throw new EnvironmentError(`Chromium failed to start (${executablePath ?? 'Playwright-managed'}): ${msg}`);
    }
    const holder: { owner?: BrowserOwner } = {};
    const unregister = registerCleanup('chromium', () => holder.owner?.close());
    browser.once('disconnected', trust.dispose); // the temporary HOME lives as long as the browser
    const owner = new BrowserOwner(browser, executablePath ?? null, unregister, trust.view, trust.dispose);
    holder.owner = owner;
    return owner;
  }

  get version(): string {
    return this.browser.version();
  }

  get name(): string {
    return 'chromium';
  }

  /** The engine-neutral page the probes drive (gathering, calls). */
  async newProbePage(): Promise<ProbePage> {
    const page = await this.newPage();
    return {
      goto: async (url, timeoutMs) => {
        await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
      },
      evaluate: (expression: string) => page.evaluate(expression),
      close: () => page.close(),
    };
  }

  /** False once closed or once the browser process went away (crash, OOM kill). */
  get connected(): boolean {
    return !this.closed && this.browser.isConnected();
  }

  /** A new, isolated context (its own "user") with one Playwright page (serve, tests). */
  async newPage(): Promise<Page> {
    if (this.closed) throw new Error('browser already closed');
    const ctx = await this.browser.newContext();
    this.contexts.add(ctx);
    ctx.once('close', () => this.contexts.delete(ctx));
    const page = await ctx.newPage();
    page.once('close', () => void ctx.close().catch(() => undefined));
    return page;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    await closeBounded(() => this.browser.close(), this.disposeTrust);
  }
}
