import { defineConfig } from 'vitest/config';

// One run covers every package's unit tests and the cross-package suites in test/.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'docs/examples/vitest.config.ts', 'tools/repository/vitest.config.ts', 'test/vitest.config.ts'],
    // Packages whose code is still to come have no tests yet.
    passWithNoTests: true,
  },
});
