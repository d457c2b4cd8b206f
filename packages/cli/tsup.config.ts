import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageBuild } from '../../tools/tsup.package';
import { barrelImports } from './barrel-imports';
import { type KindInfo, kindPackages, kindsOf } from './src/catalogue';
import { readDeployDirectory } from './src/deploy-files';

// The kinds and the operator's manifests are read here, at build time, and carried in the output:
// loading the packages that define the kinds (their schema validators) costs more than a whole
// `weft get`, and a published package has no examples/ directory to read.
async function constants(): Promise<Record<string, string>> {
  const kinds: KindInfo[] = [];
  for (const name of kindPackages) {
    let exports: Record<string, unknown>;
    try {
      exports = await import(name);
    } catch (error) {
      throw new Error(`@weft/cli's build reads the kinds ${name} exports from its dist/: build it first (pnpm -r build does) — ${(error as Error).message}`);
    }
    kinds.push(...kindsOf(name, exports));
  }
  const deploy = join(import.meta.dirname, '..', '..', 'examples', 'gitops-operator', 'deploy');
  const files = readDeployDirectory(deploy);
  const version = JSON.parse(readFileSync(join(import.meta.dirname, 'package.json'), 'utf8')).version as string;
  return { __WEFT_KIND_CATALOGUE__: JSON.stringify(kinds), __WEFT_OPERATOR_DEPLOY__: JSON.stringify(files), __WEFT_VERSION__: JSON.stringify(version) };
}

export default async () => {
  const define = await constants();
  return [
    // The library (runWeft): ESM + CJS with types, dependencies external.
    packageBuild({ define }),
    // The `weft` binary: one entry file with the start-up path (arguments, kubeconfig, client, get)
    // and one chunk per verb, loaded when it runs; Weft's packages and their dependencies bundled
    // (one copy of each class, tree-shaken), except client-node, which only exec-plugin
    // kubeconfigs load.
    packageBuild({
      entry: { weft: 'src/bin.ts' },
      outDir: 'dist/bin',
      format: ['esm'],
      dts: false,
      clean: false,
      sourcemap: false,
      splitting: true,
      minify: false,
      define,
      noExternal: [/^(?!@kubernetes\/client-node)/],
      // Weft's packages from their sources (tsconfig paths), module by module: see barrel-imports.ts.
      esbuildPlugins: [barrelImports(join(import.meta.dirname, '..'))],
      external: ['@kubernetes/client-node'],
      banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    }),
  ];
};
