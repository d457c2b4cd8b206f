import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'example-hello-reconciler',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
