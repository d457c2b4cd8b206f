import { defineConfig, type Options } from 'tsup';

/**
 * The one build every Weft package uses: ESM (`dist/index.js`, `dist/index.d.ts`) and CJS
 * (`dist/index.cjs`, `dist/index.d.cts`), matching each package.json's `exports` map.
 *
 * - `dependencies` and `peerDependencies` stay external (tsup's default): the CJS build
 *   `require`s them. `@kubernetes/client-node` 1.x is ESM-only; Node loads it through
 *   `require(esm)`, on by default since Node 20.19 (hence `engines.node` `>=20.19` in every
 *   package). An import that package.json does not declare would be bundled instead:
 *   `pnpm check-packages` fails on that.
 * - `shims`: `import.meta.url` works in the CJS build and `__dirname` in the ESM one, should a
 *   package need to locate its own files.
 * - The declarations are bundled per entry and import other `@weft/*` packages by name, so a
 *   user's types come from the same copy of reconcile-core as their runtime.
 */
export function packageBuild(overrides: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: 'node20',
    platform: 'node',
    tsconfig: 'tsconfig.json',
    ...overrides,
  });
}
