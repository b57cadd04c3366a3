/**
 * The bound of one probe, as blackbox_exporter computes it: Prometheus says how long it will wait
 * (the X-Prometheus-Scrape-Timeout-Seconds request header, its scrape_timeout); the probe gets
 * that minus an offset (time to write the answer and cross the network back), and never more
 * than the module's own timeout. Without the header (curl, a browser) the module's timeout holds.
 */

export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';
/** blackbox_exporter's --timeout-offset default. */
export const DEFAULT_TIMEOUT_OFFSET_S = 0.5;
/** Below this nothing useful can be measured: answered as a bad request instead of a doomed probe. */
export const MIN_PROBE_TIMEOUT_MS = 100;

export type ProbeTimeout = { ok: true; timeoutMs: number; source: 'scrape' | 'module' } | { ok: false; problem: string };

export function probeTimeout(header: string | undefined, offsetS: number, moduleTimeoutMs: number): ProbeTimeout {
  if (header === undefined || header.trim() === '') return { ok: true, timeoutMs: moduleTimeoutMs, source: 'module' };
  const scrapeS = Number(header.trim());
  if (!Number.isFinite(scrapeS) || scrapeS <= 0) return { ok: false, problem: `X-Prometheus-Scrape-Timeout-Seconds ${JSON.stringify(header)} is not a positive number of seconds` };
  const fromScrape = Math.round((scrapeS - offsetS) * 1000);
  if (fromScrape < MIN_PROBE_TIMEOUT_MS) {
    return { ok: false, problem: `scrape timeout ${scrapeS} s minus the ${offsetS} s offset leaves ${Math.max(0, fromScrape)} ms, less than ${MIN_PROBE_TIMEOUT_MS} ms; raise scrape_timeout` };
  }
  return fromScrape < moduleTimeoutMs ? { ok: true, timeoutMs: fromScrape, source: 'scrape' } : { ok: true, timeoutMs: moduleTimeoutMs, source: 'module' };
}
