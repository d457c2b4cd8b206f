import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'web-view',
    include: ['src/**/*.test.ts'],
    // Generous for a loaded 2-core CI machine; speed targets live in bench/, not here.
    testTimeout: 30_000,
  },
});
