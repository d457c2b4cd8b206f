// Generates packages/merge/src/builtin-schema.json: the merge metadata of every built-in kind,
// read from a real kube-apiserver's /openapi/v3 (and its discovery, for namespaced-ness).
//
//   pnpm exec tsx tools/merge-metadata/generate.ts      (or: pnpm --filter @weft/merge generate-schema)
//
// The file keeps only what merging needs: per kind its root type and scope; per type its shape
// (struct fields, map values, list items), list types and keys, map types, and the
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key of each field.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startControlPlane } from '@weft/testkit';
import { collectBuiltinSchema } from './collect.ts';
import type { SchemaFile } from './compile.ts';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const output = join(root, 'packages', 'merge', 'src', 'builtin-schema.json');

async function main(): Promise<void> {
  const plane = await startControlPlane();
  try {
    const raw = async (path: string): Promise<any> => {
      const { stdout } = await run(plane.binaries.kubectl, ['--kubeconfig', plane.kubeconfigPath, 'get', '--raw', path], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return JSON.parse(stdout);
    };
    const file: SchemaFile = await collectBuiltinSchema(raw);
    await writeFile(output, `${JSON.stringify(file)}\n`);
    console.log(
      `wrote ${output}: ${Object.keys(file.kinds).length} kinds, ${Object.keys(file.types).length} types, Kubernetes ${file.kubernetesVersion}`,
    );
  } finally {
    await plane.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
