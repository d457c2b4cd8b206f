// Bundles a bench process's entry file and everything it imports into one ES module for plain
// `node`, as a controller is deployed (compiled, no TypeScript loader in the process): the process's
// RSS and start-up are then its own, not tsx's. esbuild is @weft/bench's own dependency.
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Writes `entry` bundled to `<outDir>/<name>.mjs` and returns that path.
 *
 * @throws Error naming the entry when esbuild cannot bundle it.
 */
export function bundleForNode(entry: string, outDir: string, name: string): string {
  const outfile = join(outDir, `${name}.mjs`);
  try {
    buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile,
      logLevel: 'error',
      // CommonJS dependencies inside an ES module bundle call require().
      banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    });
  } catch (error) {
    throw new Error(`esbuild could not bundle ${entry}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return outfile;
}
