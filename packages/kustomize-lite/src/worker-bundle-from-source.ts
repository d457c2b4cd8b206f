// Loaded only when kustomize-lite runs from its TypeScript sources in the monorepo (vitest, tsx):
// there is no dist/build-worker.cjs to start then, or only a stale one, so the worker's entry is
// bundled from the sources as they are. The published package never imports this file (its
// dist has build-worker.cjs beside index.js).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** src/build-worker.ts and everything it imports as one CommonJS script, for `new Worker(code, { eval: true })`. */
export async function bundleBuildWorkerFromSource(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./build-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
