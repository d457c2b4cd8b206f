import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'kustomize-lite',
    include: ['src/**/*.test.ts'],
  },
});
