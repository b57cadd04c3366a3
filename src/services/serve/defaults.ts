/** serve's default limits, apart from the server so the CLI can show them without loading it. */
export interface ServeLimits {
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes: number;
  /** API requests per client IP per minute. Default 60. */
  requestsPerMinute: number;
  /** Stored reports per link token (or in total, without tokens). Default 100. */
  reportsPerToken: number;
  /** Visits open at once (each holds an echo page). Default 8. */
  maxSessions: number;
  /** Echo calls running at once. Default 2 (calls at once share the CPU and skew throughput). */
  maxConcurrentCalls: number;
  /** A visit idle this long is closed. Default 5 minutes. */
  sessionIdleMs: number;
}

export const DEFAULT_SERVE_LIMITS: ServeLimits = {
  maxBodyBytes: 1024 * 1024,
  requestsPerMinute: 60,
  reportsPerToken: 100,
  maxSessions: 8,
  maxConcurrentCalls: 2,
  sessionIdleMs: 5 * 60_000,
};
