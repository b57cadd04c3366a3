#!/usr/bin/env node
// Runs every vitest tier (unit, integration, lab) and ends with one plain line,
// "N passed, N failed, N skipped", so any CI reads the outcome. Exit code is vitest's.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const out = 'test-results.json';
rmSync(out, { force: true });
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: 'inherit' });
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  let line = 'tests: no results (vitest did not finish)';
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    line = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  }
  console.log(`\n${line}`);
  process.exit(code ?? (signal ? 1 : 0));
});
