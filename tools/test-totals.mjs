// Prints the totals of every run from vitest's JSON reports, as the last line:
// "N passed, N failed" (", N skipped" when some were skipped), summed over the runs.
// Usage: test-totals.mjs BUILD_OK LABEL=REPORT.json...  (one report per run: Node 20, Node 24).
// A run that wrote no report, or a test file that failed to load, counts as a failure, and so
// does a failed package build. Each run's own figures are printed first.
import { existsSync, readFileSync } from 'node:fs';

const [buildOk, ...runs] = process.argv.slice(2);
let passed = 0;
let failed = buildOk === '0' ? 1 : 0;
let skipped = 0;

for (const run of runs) {
  const separator = run.lastIndexOf('=');
  const label = separator > 0 ? run.slice(0, separator) : 'vitest';
  const reportPath = separator > 0 ? run.slice(separator + 1) : run;
  const totals = runTotals(label, reportPath);
  console.log(`${label}: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  passed += totals.passed;
  failed += totals.failed;
  skipped += totals.skipped;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

function runTotals(label, reportPath) {
  if (!reportPath || !existsSync(reportPath)) {
    console.log(`${label}: vitest wrote no report (it failed before running tests)`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  let failedHere = report.numFailedTests;
  // Files that failed to import or whose hooks failed have no failed tests of their own.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed'),
  );
  for (const file of brokenFiles) console.log(`${label}: suite failed outside its tests: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
  failedHere += brokenFiles.length;
  if (report.success === false && failedHere === 0) {
    console.log(`${label}: vitest reported failure (for example an error in global setup or teardown)`);
    failedHere = 1;
  }
  return { passed: report.numPassedTests, failed: failedHere, skipped: report.numPendingTests + report.numTodoTests };
}
