/**
 * Bundles the web view's page (ui/) into dist/ui/: app.js (preact, htm, uPlot and the pages,
 * minified), app.css, index.html and icon.svg. Run by `pnpm build` after tsup, and by the tests
 * and the demo's set-up when dist/ui is missing. Prints the sizes.
 *
 *   tsx build-ui.ts [--out DIR]
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles ui/ into `outDir` (default dist/ui) and returns each file's size, raw and gzipped. */
export async function buildUi(outDir = join(here, 'dist', 'ui')): Promise<Record<string, { bytes: number; gzip: number }>> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'ui', 'main.ts') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    legalComments: 'eof',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'icon.svg']) copyFileSync(join(here, 'ui', file), join(outDir, file));
  const sizes: Record<string, { bytes: number; gzip: number }> = {};
  for (const file of ['index.html', 'app.js', 'app.css', 'icon.svg']) {
    const path = join(outDir, file);
    sizes[file] = { bytes: statSync(path).size, gzip: gzipSync(readFileSync(path), { level: 9 }).length };
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const sizes = await buildUi(values.out);
  const total = Object.values(sizes).reduce((sum, size) => sum + size.gzip, 0);
  console.error(`[web-view] page bundled: ${Object.entries(sizes).map(([file, size]) => `${file} ${(size.bytes / 1024).toFixed(1)} KB (${(size.gzip / 1024).toFixed(1)} KB gzip)`).join(', ')}; ${(total / 1024).toFixed(1)} KB gzip in all`);
}
