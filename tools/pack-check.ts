/**
 * `pnpm check-packages`: builds every public package, packs it with `pnpm pack` into a temporary
 * directory and checks each tarball as a user's tools would see it: publint (strict: warnings
 * fail), are-the-types-wrong (every resolution mode: node10, node16 from CJS and ESM, bundler)
 * and the manifest checks of tools/pack.ts (declared dependencies, no `workspace:` ranges, the
 * fields a registry and a bundler read). Exits 1 when any package has a problem.
 *
 *   pnpm check-packages              # build all public packages first
 *   pnpm check-packages --if-stale   # build only those whose dist/ is older than their sources
 *   pnpm check-packages --keep       # keep the tarballs and print where they are
 */
import { parseArgs } from 'node:util';
import { buildPackages, checkPackedPackage, packPackages, temporaryDirectory, workspacePackages } from './pack.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean' }, keep: { type: 'boolean' } } });
  const signal = AbortSignal.timeout(20 * 60_000);
  const log = (line: string) => console.error(`[check-packages] ${line}`);

  const all = await workspacePackages();
  const published = all.filter((candidate) => candidate.manifest.private !== true);
  for (const skipped of all.filter((candidate) => candidate.manifest.private === true)) {
    log(`${skipped.name} is private (not published): skipped`);
  }

  const built = await buildPackages(published, { force: !values['if-stale'], signal, log });
  if (values['if-stale'] && built.length === 0) log('every dist/ is up to date');

  const destination = await temporaryDirectory('weft-check-packages-');
  try {
    const packed = await packPackages(published, destination.path, { signal, log });
    let failed = 0;
    const rows: string[] = [];
    for (const tarball of packed) {
      const verdicts = await checkPackedPackage(tarball, { signal });
      const bad = Object.entries(verdicts).filter(([, verdict]) => !verdict.ok);
      rows.push(
        `${tarball.name.padEnd(24)} publint ${verdicts.publint.ok ? 'ok  ' : 'FAIL'}  attw ${verdicts.attw.ok ? 'ok  ' : 'FAIL'}  manifest ${verdicts.manifest.ok ? 'ok  ' : 'FAIL'}  ${tarball.files.length} files`,
      );
      for (const [tool, verdict] of bad) {
        failed += 1;
        console.log(`\n--- ${tarball.name}: ${tool}\n${verdict.detail.trim()}`);
      }
    }
    console.log(`\n${rows.join('\n')}`);
    if (values.keep) console.log(`tarballs kept in ${destination.path}`);
    console.log(failed === 0 ? `${packed.length} packages pass publint, attw and the manifest checks` : `${failed} problem(s) found`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (!values.keep) await destination.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
