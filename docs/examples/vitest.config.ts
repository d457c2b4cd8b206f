import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'docs',
    include: ['docs.test.ts'],
    // typedoc converts every package (one TypeScript program each): about a minute on an idle
    // 2-core machine, several under load.
    testTimeout: 600_000,
  },
});
