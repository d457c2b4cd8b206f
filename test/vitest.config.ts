import { defineProject } from 'vitest/config';
import { weftSourceAliases } from '../vitest.shared.ts';

export default defineProject({
  resolve: { alias: weftSourceAliases },
  test: {
    name: 'cluster',
    include: ['**/*.test.ts'],
    // One real control plane for the whole run; each test isolates itself in its own namespace.
    globalSetup: ['./setup/control-plane.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
