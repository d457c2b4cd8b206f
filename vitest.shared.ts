import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Resolves every `@weft/<name>` import to that package's TypeScript source, so
 * tests and examples run against the code as written, without a build step.
 *
 * With `WEFT_CLIENT_NODE=2` (the Node 24 run of tools/test.sh), `@kubernetes/client-node` resolves
 * to the 2.x line that reconcile-core's peer range admits (installed as `@kubernetes/client-node-2`),
 * so the unit suites also run against it; client-node 2 needs Node 22.19 or later.
 */
export const weftSourceAliases: Record<string, string> = {
  ...Object.fromEntries(
    readdirSync(join(root, 'packages'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => [`@weft/${entry.name}`, join(root, 'packages', entry.name, 'src', 'index.ts')]),
  ),
  ...(process.env['WEFT_CLIENT_NODE'] === '2' ? { '@kubernetes/client-node': join(root, 'packages', 'reconcile-core', 'node_modules', '@kubernetes', 'client-node-2', 'dist', 'index.js') } : {}),
};
