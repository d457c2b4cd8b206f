import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * The YAML files of a deploy directory and its subdirectories (the operator's kustomize
 * components), keyed by their path relative to it with `/` separators: what the binary carries
 * and what `weft install` builds from.
 */
export function readDeployDirectory(directory: string): Record<string, string> {
  const paths = readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Object.fromEntries(paths.map((path) => [relative(directory, path).split(sep).join('/'), readFileSync(path, 'utf8')]));
}

/**
 * The operator's optional components, as `--components-extra` names them (Flux's flag): each a
 * kustomize component of deploy/ (`components/<name>`) with its CRDs, its RBAC and the operator's
 * `--controllers` for it.
 */
export const extraComponents = ['image-automation', 'progressive'] as const;

/** One of {@link extraComponents}. */
export type ExtraComponent = (typeof extraComponents)[number];
