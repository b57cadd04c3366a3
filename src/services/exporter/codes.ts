import { CheckCode } from '../../core/codes.js';

/** Outcomes of the exporter itself, in the same code space as the checks' (src/core/codes.ts). */
export const ExporterCode = {
  /** The warm browser could not be started (or died mid-probe): gather/call modules cannot run. */
  BROWSER_UNAVAILABLE: CheckCode.BROWSER_UNAVAILABLE,
} as const;
