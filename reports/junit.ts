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
import { CheckCode } from '../src/core/codes.js';
import { detailPairs, findingsFor, hostPort, isInterrupted } from './model.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** The test case name: target plus transport, e.g. `turn:h:3478?transport=udp [udp]`. */
export function testcaseName(check: Check): string {
  return `${check.transport === null ? check.target : `${check.target} [${check.transport}]`}${familySuffix(check)}`;
}

/**
 * The embedded coturn listens on random ports, so its `host:port` would give every run new
 * test case names and break a CI system's test history: each of its addresses gets a stable
 * label instead (`embedded`, `embedded-tls` for the TURNS listener). Empty for real servers,
 * whose names are stable already.
 */
function embeddedAliases(report: Report): [RegExp, string][] {
  if (report.environment.embeddedServer !== true) return [];
  const seen = new Map<string, string>();
  for (const s of report.servers) {
    const hp = hostPort(s.host, s.port);
    if (seen.has(hp)) continue;
    const base = s.scheme === 'turns' ? 'embedded-tls' : 'embedded';
    const taken = [...seen.values()].filter((v) => v === base || v.startsWith(`${base}-`)).length;
    seen.set(hp, taken === 0 ? base : `${base}-${taken + 1}`);
  }
  const quote = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Longest first, and never a prefix of a longer port (127.0.0.1:3478 inside 127.0.0.1:34780).
  return [...seen.entries()].sort((a, b) => b[0].length - a[0].length).map(([hp, label]) => [new RegExp(`${quote(hp)}(?![0-9])`, 'g'), label]);
}

/**
 * Every check's test case name, unique within its classname (the check kind) and the same from
 * run to run: `testcaseName`, with the embedded server's addresses replaced by stable labels,
 * and, where two checks would share a name (the config checks all target `iceServers`), the
 * rest of the check id in parentheses. Index-aligned with `report.checks`.
 */
export function testcaseNames(report: Report): string[] {
  const aliases = embeddedAliases(report);
  const stable = (x: string) => aliases.reduce((acc, [re, label]) => acc.replace(re, label), x);
  const base = report.checks.map((c) => stable(testcaseName(c)));
  const key = (i: number) => `${report.checks[i]?.kind ?? ''}\u0000${base[i] ?? ''}`;
  const count = new Map<string, number>();
  base.forEach((_, i) => count.set(key(i), (count.get(key(i)) ?? 0) + 1));
  const names: string[] = [];
  const used = new Set<string>();
  report.checks.forEach((c, i) => {
    let name = base[i] ?? c.id;
    if ((count.get(key(i)) ?? 0) > 1) {
      const rest = c.id.startsWith(`${c.kind}:`) ? c.id.slice(c.kind.length + 1) : c.id;
      name = `${name} (${stable(rest)})`;
    }
    // Two checks with the same id (a producer bug) still get two names.
    let unique = name;
    for (let n = 2; used.has(`${c.kind}\u0000${unique}`); n++) unique = `${name} #${n}`;
    used.add(`${c.kind}\u0000${unique}`);
    names.push(unique);
  });
  return names;
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

function testcase(report: Report, check: Check, name: string): string {
  const findings = findingsFor(report, check.id);
  const open = `    <testcase classname="${attr(check.kind)}" name="${attr(name)}" time="${seconds(check.durationMs)}"`;
  const body = checkBody(check, findings);
  switch (check.status) {
    case 'pass':
      return `${open}/>`;
    case 'warn':
      return `${open}>\n      <system-out>${text(`WARN ${check.code}\n${body}`)}</system-out>\n    </testcase>`;
    case 'skip': {
      // A check the run never finished is a skip, and says why (the run was interrupted).
      const why = check.code === CheckCode.INTERRUPTED ? `not finished: the run was interrupted${check.message ? ` (${check.message})` : ''}` : (check.message ?? check.code);
      return `${open}>\n      <skipped message="${attr(why)}"/>\n    </testcase>`;
    }
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
  const names = testcaseNames(report);
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
    ['summary', isInterrupted(report) ? 'interrupted' : report.summary.status],
    ...(report.partial ? [['partial', 'true'] as [string, string]] : []),
    ...(report.scenario !== undefined ? [['scenario', report.scenario] as [string, string]] : []),
  ];

  // A report without checks (an interrupted run) still carries its properties and findings.
  const suiteNames: string[] = kinds.length > 0 ? kinds : ['iceprobe'];
  const suites = suiteNames.map((kind, i) => {
    const checks = report.checks.filter((c) => c.kind === kind);
    const named = report.checks.map((c, k) => [c, names[k] ?? testcaseName(c)] as const).filter(([c]) => c.kind === kind);
    const head =
      `  <testsuite name="${attr(kind)}" tests="${checks.length}" failures="${count(checks, 'fail')}" errors="0" ` +
      `skipped="${count(checks, 'skip')}" time="${total(checks)}" timestamp="${attr(report.startedAt)}">`;
    const parts = [head];
    if (i === 0) {
      parts.push('    <properties>');
      for (const [name, value] of props) parts.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
      parts.push('    </properties>');
    }
    for (const [c, name] of named) parts.push(testcase(report, c, name));
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
