/** `iceprobe report <report.json>`: re-render a saved report (any of the same schemaVersion). */
import type { Argv } from 'yargs';
import { EXIT, OutputError, UsageError } from '../core/errors.js';
import type { Io } from './io.js';

export function reportOptions(y: Argv) {
  return y
    .positional('file', { type: 'string', describe: 'A JSON report written by iceprobe check --json (required)' })
    .options({
      html: { type: 'string', describe: 'Write a self-contained HTML report' },
      junit: { type: 'string', describe: 'Write JUnit XML' },
      markdown: { type: 'string', describe: 'Append a Markdown summary to this file' },
      quiet: { type: 'boolean', alias: 'q', describe: 'No table' },
    })
    .example('$0 report report.json', 'Print a saved report as the terminal table (exit 1 if it had a failed check)')
    .example('$0 report report.json --html report.html --junit junit.xml -q', 'Write HTML and JUnit from a saved report');
}

export async function runReport(args: { file?: string | undefined; html?: string | undefined; junit?: string | undefined; markdown?: string | undefined; quiet?: boolean | undefined }, io: Io): Promise<number> {
  if (!args.file) throw new UsageError('report needs the report file: iceprobe report <report.json>');
  const [{ loadReport, writeReports, checkWriteTargets }, { renderTable }] = await Promise.all([import('../../reports/write.js'), import('../../reports/table.js')]);
  const targets = {
    ...(args.html !== undefined ? { html: args.html } : {}),
    ...(args.junit !== undefined ? { junit: args.junit } : {}),
    ...(args.markdown !== undefined ? { markdownSummary: args.markdown } : {}),
  };
  const pathProblems = checkWriteTargets(targets);
  if (pathProblems.length > 0) throw new OutputError(pathProblems);
  const report = loadReport(args.file);
  let failure: OutputError | null = null;
  let written;
  try {
    written = writeReports(report, targets);
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    failure = e;
    written = e.written;
  }
  if (!args.quiet) io.out(renderTable(report, { color: io.isTTY && !io.env.NO_COLOR, ...(io.columns ? { width: io.columns } : {}) }));
  for (const w of written) io.err(`iceprobe: wrote ${w.format} ${w.path}`);
  if (failure) throw failure;
  // The saved verdict, so `iceprobe report` can gate CI on an earlier run too.
  return report.summary.failed > 0 ? EXIT.checkFailed : EXIT.ok;
}
