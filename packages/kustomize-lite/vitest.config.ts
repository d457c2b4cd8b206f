import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'kustomize-lite',
    include: ['src/**/*.test.ts'],
    // Generous for a loaded 2-core CI machine; speed targets live in bench/, not here.
    testTimeout: 30_000,
    // no test starts a build server unless it means to (cli-server.test.ts gives each its own folder)
    env: { WEFT_KUSTOMIZE_SERVER: '0' },
  },
});
