/** Rounding shared by the Node probes; checks themselves are built by makeCheck (src/core/check.ts). */
export { makeCheck, roundMs as round, type CheckInput } from '../core/check.js';
