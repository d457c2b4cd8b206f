import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

describe('the peer range admits @kubernetes/client-node 2.x', () => {
  // The repository installs client-node 1.3 (it runs on Node 20); 2.x is installed beside it as
  // `@kubernetes/client-node-2`. Types do not depend on the Node version, so this runs everywhere.
  it('reconcile-core, testkit and the hello-reconciler example type-check against client-node 2.x', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'weft-client-node-2-'));
    try {
      const tsconfig = {
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: {
          noEmit: true,
          declaration: false,
          baseUrl: root,
          typeRoots: [join(root, 'node_modules', '@types')],
          paths: {
            '@weft/*': ['packages/*/src/index.ts'],
            '@kubernetes/client-node': [join(root, 'packages/reconcile-core/node_modules/@kubernetes/client-node-2/dist/index.d.ts')],
          },
        },
        include: [join(root, 'packages/reconcile-core/src'), join(root, 'packages/testkit/src'), join(root, 'examples/hello-reconciler/src')],
      };
      writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig));
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', scratch], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
      expect(result.stdout).toBe('');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 180_000);
});
