import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'drift',
    include: ['src/**/*.test.ts'],
  },
});
