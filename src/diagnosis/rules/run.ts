/** RUN_INTERRUPTED: the report is partial. INTERNAL_ERROR: iceprobe itself failed in some check. */
import { CheckCode } from '../../core/codes.js';
import type { Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, plural, type Rule } from '../evidence.js';

export const runProblems: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  const interrupted = ev.checks.filter((c) => c.code === CheckCode.INTERRUPTED);
  if (input.partial === true || interrupted.length > 0) {
    out.push(
      finding(
        FindingCode.RUN_INTERRUPTED,
        'warn',
        'The run was interrupted before it finished, so this report shows only what was measured until then.',
        'Run iceprobe check again and let it finish (raise --timeout if a step needs longer).',
        interrupted.map((c) => c.id),
      ),
    );
  }
  const internal = ev.checks.filter((c) => c.code === CheckCode.INTERNAL_ERROR);
  if (internal.length > 0) {
    out.push(
      finding(
        FindingCode.INTERNAL_ERROR,
        'error',
        `iceprobe itself failed in ${plural(internal.length, 'check')}, so ${internal.length === 1 ? 'its verdict is' : 'their verdicts are'} not about your servers.`,
        'Run again; if it persists, report it with the report file (it carries no secrets) and the messages of these checks.',
        internal.map((c) => c.id),
      ),
    );
  }
  return out;
};
