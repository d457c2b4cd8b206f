import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The pinned versions of the reference binaries that `tools/control-plane/build.sh`
 * builds from Go modules. Kept equal to `tools/control-plane/versions.env` by a test.
 */
export const controlPlaneVersions = {
  kubernetes: 'v1.37.2',
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
  kustomize: 'v5.8.2',
} as const;

/** Absolute paths of every binary a control plane may run. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly kwok: string;
}

/** Where the binaries were looked for, when some are missing. */
export interface MissingBinaries {
  readonly missing: readonly string[];
  readonly cacheDir: string;
}

/**
 * The cache the build script writes to: `$WEFT_CACHE_DIR/bin`, by default
 * `~/.cache/weft/bin`, one directory per component and version.
 */
export function binaryCacheDir(): string {
  return join(process.env['WEFT_CACHE_DIR'] ?? join(homedir(), '.cache', 'weft'), 'bin');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function candidatePaths(): Record<keyof ControlPlaneBinaries, string> {
  const cacheDir = binaryCacheDir();
  const kube = join(cacheDir, `kubernetes-${controlPlaneVersions.kubernetes}`);
  const env = process.env;
  return {
    etcd: env['WEFT_ETCD'] ?? join(cacheDir, `etcd-${controlPlaneVersions.etcd}`, 'etcd'),
    kubeApiserver: env['WEFT_KUBE_APISERVER'] ?? join(kube, 'kube-apiserver'),
    kubeControllerManager: env['WEFT_KUBE_CONTROLLER_MANAGER'] ?? join(kube, 'kube-controller-manager'),
    kubeScheduler: env['WEFT_KUBE_SCHEDULER'] ?? join(kube, 'kube-scheduler'),
    kubectl: env['WEFT_KUBECTL'] ?? join(kube, 'kubectl'),
    kwok: env['WEFT_KWOK'] ?? join(cacheDir, `kwok-${controlPlaneVersions.kwok}`, 'kwok'),
  };
}

/**
 * Locates the control-plane binaries built by `tools/control-plane/build.sh`.
 *
 * @remarks
 * Each binary can be overridden by an environment variable, as envtest's
 * `TEST_ASSET_*` variables do: `WEFT_ETCD`, `WEFT_KUBE_APISERVER`,
 * `WEFT_KUBE_CONTROLLER_MANAGER`, `WEFT_KUBE_SCHEDULER`, `WEFT_KUBECTL`, `WEFT_KWOK`.
 *
 * @param required - which binaries must exist; by default all of them.
 * @returns the paths, or which required ones are missing and where they were looked for.
 *
 * @example
 * ```ts
 * import { findControlPlaneBinaries } from '@weft/testkit';
 * const found = findControlPlaneBinaries();
 * if ('missing' in found) console.log(`run tools/control-plane/build.sh; missing ${found.missing.join(', ')}`);
 * ```
 */
export function findControlPlaneBinaries(
  required: readonly (keyof ControlPlaneBinaries)[] = ['etcd', 'kubeApiserver', 'kubeControllerManager', 'kubeScheduler', 'kubectl', 'kwok'],
): ControlPlaneBinaries | MissingBinaries {
  const paths = candidatePaths();
  const missing = required.map((key) => paths[key]).filter((path) => !isExecutable(path));
  if (missing.length > 0) return { missing, cacheDir: binaryCacheDir() };
  return paths;
}

/** The path of the reference `kustomize` binary, or `undefined` when it has not been built. */
export function findKustomizeBinary(): string | undefined {
  const path =
    process.env['WEFT_KUSTOMIZE'] ?? join(binaryCacheDir(), `kustomize-${controlPlaneVersions.kustomize}`, 'kustomize');
  return isExecutable(path) ? path : undefined;
}
