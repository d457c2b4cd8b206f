import { defineConfig, type Options } from 'tsup';

/** The one build every Weft package uses: ESM and CJS with their own type declarations. */
export function packageBuild(overrides: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    tsconfig: 'tsconfig.json',
    ...overrides,
  });
}
