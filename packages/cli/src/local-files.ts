import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { KubeClient } from '@weft/reconcile-core';
import { type Kustomization, KustomizationKind, buildKustomization } from '@weft/delivery';
import { type KustomizeFs, nodeFs } from '@weft/kustomize-lite';
import type { BuiltManifests } from '@weft/delivery';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';

/**
 * `weft build|diff kustomization <name> --path <dir>`: the Kustomization from the cluster, built
 * from the local directory. Files are read from the checkout around `--path` (the nearest
 * directory with `.git`, else the whole file system), so overlays can reach their bases, and
 * named relative to it in errors.
 */
export async function buildLocal(context: CommandContext): Promise<{ client: KubeClient; kustomization: Kustomization; built: BuiltManifests }> {
  const word = context.arg(0, 'the kind (kustomization)').toLowerCase();
  if (!['kustomization', 'kustomizations', 'ks'].includes(word)) throw new UsageError(`weft ${context.command.name} works on a kustomization, not "${context.args[0]}"`, 2);
  const name = context.arg(1, 'the name of the Kustomization');
  const path = context.string('path');
  if (!path) throw new UsageError(`--path is required: the local directory that stands for the Kustomization's spec.path (${context.command.usage})`, 2);
  const directory = resolve(context.io.cwd, path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new UsageError(`--path ${path} is not a directory`, 2);
  const { client } = await context.connect();
  const namespace = await context.namespace();
  const kustomization = await client.get(KustomizationKind, name, { namespace, signal: context.io.signal });
  const root = checkoutRoot(directory);
  const built = await buildKustomization(client, kustomization, rootedFs(root), { path: `/${relative(root, directory).split(sep).join('/')}`, ...(context.io.signal ? { signal: context.io.signal } : {}) });
  return { client, kustomization, built };
}

function checkoutRoot(directory: string): string {
  for (let current = directory; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return current;
  }
}

/** The files under `root`, seen as a file system rooted at `/`. */
function rootedFs(root: string): KustomizeFs {
  const disk = nodeFs();
  const real = (path: string) => join(root, path);
  return {
    readFile: (path) => disk.readFile(real(path)),
    stat: (path) => disk.stat(real(path)),
    readDir: (path) => disk.readDir(real(path)),
    realPath: async (path) => {
      const resolved = await disk.realPath(real(path));
      const inside = relative(root, resolved);
      return inside.startsWith('..') ? resolved : `/${inside.split(sep).join('/')}`;
    },
  };
}
