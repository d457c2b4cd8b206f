import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Resolves every `@weft/<name>` import to that package's TypeScript source, so
 * tests and examples run against the code as written, without a build step.
 */
export const weftSourceAliases: Record<string, string> = Object.fromEntries(
  readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => [`@weft/${entry.name}`, join(root, 'packages', entry.name, 'src', 'index.ts')]),
);
