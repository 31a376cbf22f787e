#!/usr/bin/env node
// `npm test`: type checks, lint, then every vitest project (unit + contract, devices, e2e after a web
// build). Runs every stage even when one fails, then prints one closing line with the totals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reportDir = mkdtempSync(join(tmpdir(), 'spvit-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedStages = [];

function run(stage, command, args) {
  console.log(`\n=== ${stage}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  if (!ok) failedStages.push(stage);
  return ok;
}

function vitest(stage, projects) {
  const outputFile = join(reportDir, `${stage}.json`);
  const projectArgs = projects.flatMap((project) => ['--project', project]);
  run(stage, 'npx', ['vitest', 'run', ...projectArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`]);
  if (!existsSync(outputFile)) {
    totals.failed += 1;
    return;
  }
  const report = JSON.parse(readFileSync(outputFile, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
  // A suite that failed to load counts as a failure even when it declared no test.
  const brokenSuites = report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0);
  totals.failed += brokenSuites.length;
}

run('typecheck', 'npx', ['tsc', '-b']);
if (existsSync('renderer/tsconfig.json')) {
  run('svelte-check', 'npx', ['svelte-check', '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings']);
}
run('lint', 'npx', ['eslint', '.']);
vitest('unit', ['unit', 'contract']);
vitest('devices', ['devices']);
if (run('build:web', 'npm', ['run', 'build:web'])) {
  vitest('e2e', ['e2e']);
} else {
  totals.failed += 1;
}

console.log('');
if (failedStages.length > 0) {
  console.log(`failed stages: ${failedStages.join(', ')}`);
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = failedStages.length > 0 || totals.failed > 0 ? 1 : 0;
