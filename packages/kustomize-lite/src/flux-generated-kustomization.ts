import { posix } from 'node:path';
import type { KustomizeFs } from './file-system.js';
import { kustomizationFileNames } from './kustomization.js';

async function hasKustomization(fs: KustomizeFs, directory: string): Promise<boolean> {
  for (const name of kustomizationFileNames) {
    if ((await fs.stat(posix.join(directory, name)))?.type === 'file') return true;
  }
  return false;
}

/**
 * What Flux's kustomize-controller does for a path without a kustomization file: generate one
 * whose `resources` are every `.yaml`/`.yml` manifest below it, and every sub-directory holding
 * its own kustomization (not descended into), in file-tree order.
 *
 * @remarks
 * Returns the file system unchanged when the directory already has a kustomization; otherwise
 * a view of it with the generated `kustomization.yaml` added (nothing is written). Files that
 * are not Kubernetes YAML fail when the generated kustomization is built, naming the file, as in
 * Flux; they are not parsed here (the build parses each one anyway, and may do so on a worker:
 * see {@link buildInWorker}).
 *
 * @example
 * ```ts
 * import { build, nodeFs, withGeneratedKustomization } from '@weft/kustomize-lite';
 *
 * const fs = await withGeneratedKustomization(nodeFs(), '/repo/clusters/prod');
 * const objects = await build('/repo/clusters/prod', { fs });
 * ```
 */
export async function withGeneratedKustomization(fs: KustomizeFs, directory: string): Promise<KustomizeFs> {
  const root = posix.resolve(directory);
  if (await hasKustomization(fs, root)) return fs;
  const resources: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await fs.readDir(current)) {
      const path = posix.join(current, entry);
      const stat = await fs.stat(path);
      if (stat?.type === 'directory') {
        if (await hasKustomization(fs, path)) resources.push(`./${posix.relative(root, path)}`);
        else await walk(path);
        continue;
      }
      const extension = posix.extname(entry);
      if (extension !== '.yaml' && extension !== '.yml') continue;
      resources.push(`./${posix.relative(root, path)}`);
    }
  };
  await walk(root);
  const generated = new TextEncoder().encode(
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((resource) => `- ${JSON.stringify(resource)}`).join('\n')}\n`.replace('resources:\n\n', 'resources: []\n'),
  );
  const generatedPath = posix.join(root, 'kustomization.yaml');
  return {
    async readFile(path) {
      return posix.resolve(path) === generatedPath ? generated : fs.readFile(path);
    },
    async stat(path) {
      return posix.resolve(path) === generatedPath ? { type: 'file', size: generated.byteLength } : fs.stat(path);
    },
    async readDir(path) {
      const entries = await fs.readDir(path);
      return posix.resolve(path) === root && !entries.includes('kustomization.yaml') ? [...entries, 'kustomization.yaml'].sort() : entries;
    },
    async realPath(path) {
      return posix.resolve(path) === generatedPath ? generatedPath : fs.realPath(path);
    },
  };
}
