import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageBuild } from '../../tools/tsup.package';

// yaml's ES module build (its `default` export condition), so the bundle keeps only what is used
const yamlModule = join(dirname(createRequire(import.meta.url).resolve('yaml/package.json')), 'browser', 'index.js');

// The library (ESM + CJS with types), and two CommonJS files with every dependency inside (no
// module resolution at start-up: a worker requiring @weft/reconcile-core and yaml from
// node_modules took 450 ms to start, bundled 90 ms), whitespace and syntax minified: the entry of
// buildInWorker's worker thread, and the weft-kustomize executable, which bin/weft-kustomize.cjs
// loads with V8's code cache.
export default [
  packageBuild(),
  packageBuild({
    entry: { 'weft-kustomize': 'src/bin.ts', 'build-worker': 'src/build-worker.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    dts: false,
    clean: false,
    sourcemap: false,
    noExternal: [/.*/],
    minifyWhitespace: true,
    minifySyntax: true,
    esbuildOptions(options) {
      options.alias = { ...options.alias, yaml: yamlModule };
    },
  }),
];
