// Prints the totals of every suite from vitest's JSON report, as the last line:
// "N passed, N failed" (", N skipped" when some were skipped). A test file that
// failed to load counts as a failure, and so does a failed package build.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, buildOk] = process.argv.slice(2);
let passed = 0;
let failed = buildOk === '0' ? 1 : 0;
let skipped = 0;

if (!reportPath || !existsSync(reportPath)) {
  console.log('vitest wrote no report (it failed before running tests)');
  failed += 1;
} else {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests;
  failed += report.numFailedTests;
  skipped = report.numPendingTests + report.numTodoTests;
  // Files that failed to import or whose hooks failed have no failed tests of their own.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed'),
  );
  for (const file of brokenFiles) console.log(`suite failed outside its tests: ${file.name}: ${(file.message ?? '').split('\n')[0]}`);
  failed += brokenFiles.length;
  if (report.success === false && failed === 0) {
    console.log('vitest reported failure (for example an error in global setup or teardown)');
    failed = 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
