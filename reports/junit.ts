/**
 * JUnit XML for CI: one <testsuite> per check kind, one <testcase> per check.
 *
 *   fail → <failure message="finding's message" type="CODE">message, advice, details</failure>
 *   skip → <skipped message="…"/>
 *   warn → passes (CI gates on failures; `--strict` turns warns into failed expectations
 *          upstream), the warning text goes to the test case's <system-out>
 *
 * The shape follows the common Ant/Surefire/Jenkins "JUnit XML" dialect that CI systems read
 * (GitHub test reporters, GitLab, Jenkins): testsuites > testsuite > testcase, time in seconds.
 */
import type { Check, CheckKind, Finding, Report } from '../src/core/schema.js';
import { escapeXmlAttr as attr, escapeXmlText as text } from './escape.js';
import { familySuffix } from './family.js';
import { detailPairs, findingsFor } from './model.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The test case name: target plus transport, e.g. `turn:h:3478?transport=udp [udp]`. */
export function testcaseName(check: Check): string {
  return `${check.transport === null ? check.target : `${check.target} [${check.transport}]`}${familySuffix(check)}`;
}

function findingText(f: Finding): string {
  return `${f.severity.toUpperCase()} ${f.code}: ${f.message}\nAdvice: ${f.advice}`;
}

function checkBody(check: Check, findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) lines.push(findingText(f));
  lines.push(`Check ${check.id}: ${check.status} ${check.code}${check.message ? ` (${check.message})` : ''}`);
  const details = detailPairs(check.details);
  if (details.length > 0) lines.push(`Details: ${details.join(', ')}`);
  return lines.join('\n');
}

function testcase(report: Report, check: Check): string {
  const findings = findingsFor(report, check.id);
  const open = `    <testcase classname="${attr(check.kind)}" name="${attr(testcaseName(check))}" time="${seconds(check.durationMs)}"`;
  const body = checkBody(check, findings);
  switch (check.status) {
    case 'pass':
      return `${open}/>`;
    case 'warn':
      return `${open}>\n      <system-out>${text(`WARN ${check.code}\n${body}`)}</system-out>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped message="${attr(check.message ?? check.code)}"/>\n    </testcase>`;
    case 'fail': {
      const top = findings[0];
      const message = top ? top.message : (check.message ?? check.code);
      return (
        `${open}>\n      <failure message="${attr(message)}" type="${attr(check.code)}">${text(body)}</failure>\n    </testcase>`
      );
    }
  }
}

export function renderJunit(report: Report): string {
  const kinds: CheckKind[] = [];
  for (const c of report.checks) if (!kinds.includes(c.kind)) kinds.push(c.kind);
  const count = (checks: readonly Check[], s: Check['status']) => checks.filter((c) => c.status === s).length;
  const total = (checks: readonly Check[]) => seconds(checks.reduce((a, c) => a + c.durationMs, 0));

  // Findings that rest on no check still have to reach the CI log.
  const orphans = report.findings.filter((f) => !f.checkIds.some((id) => report.checks.some((c) => c.id === id)));
  const props: [string, string][] = [
    ['iceprobe.version', report.tool.version],
    ['schemaVersion', String(report.schemaVersion)],
    ['browser', report.environment.browser ? `${report.environment.browser.name} ${report.environment.browser.version}` : 'none'],
    ['node', report.environment.node],
    ['platform', report.environment.platform],
    ['summary', report.summary.status],
    ...(report.partial ? [['partial', 'true'] as [string, string]] : []),
    ...(report.scenario !== undefined ? [['scenario', report.scenario] as [string, string]] : []),
  ];

  // A report without checks (an interrupted run) still carries its properties and findings.
  const suiteNames: string[] = kinds.length > 0 ? kinds : ['iceprobe'];
  const suites = suiteNames.map((kind, i) => {
    const checks = report.checks.filter((c) => c.kind === kind);
    const head =
      `  <testsuite name="${attr(kind)}" tests="${checks.length}" failures="${count(checks, 'fail')}" errors="0" ` +
      `skipped="${count(checks, 'skip')}" time="${total(checks)}" timestamp="${attr(report.startedAt)}">`;
    const parts = [head];
    if (i === 0) {
      parts.push('    <properties>');
      for (const [name, value] of props) parts.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
      parts.push('    </properties>');
    }
    for (const c of checks) parts.push(testcase(report, c));
    if (i === 0 && orphans.length > 0) parts.push(`    <system-out>${text(orphans.map(findingText).join('\n\n'))}</system-out>`);
    parts.push('  </testsuite>');
    return parts.join('\n');
  });

  const all = report.checks;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="iceprobe" tests="${all.length}" failures="${count(all, 'fail')}" errors="0" skipped="${count(all, 'skip')}" time="${seconds(report.durationMs)}" timestamp="${attr(report.startedAt)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
