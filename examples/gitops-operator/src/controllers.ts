import { join } from 'node:path';
import { type CustomResourceDefinition, type Manager } from '@weft/reconcile-core';
import { GitRepositoryKind } from '@weft/git-source';
import { KustomizationKind } from '@weft/delivery';
import type { RouterProvider } from '@weft/progressive';
import type { ViewKindName } from '@weft/web-view';

/**
 * The controllers the operator can run (`--controllers`), as Flux's components: `source`
 * (GitRepository), `kustomize` (Kustomization), `image` (ImageRepository, ImagePolicy,
 * ImageUpdateAutomation: Flux's image-reflector-controller and image-automation-controller) and
 * `progressive` (Canary, MetricTemplate: Flagger).
 */
export const controllerNames = ['source', 'kustomize', 'image', 'progressive'] as const;

/** One of {@link controllerNames}. */
export type ControllerName = (typeof controllerNames)[number];

/** What runs without `--controllers`: Flux's default components that Weft has (source and kustomize). */
export const defaultControllers: readonly ControllerName[] = ['source', 'kustomize'];

/**
 * The CRDs of the selected controllers: what the operator installs at start (unless
 * `--no-install-crds`), and what deploy/ and its components carry. The packages of the optional
 * controllers are imported only when selected, so the default operator does not load them.
 *
 * @example
 * ```ts
 * const crds = await controllerCrds(['source', 'kustomize', 'image']);
 * ```
 */
export async function controllerCrds(selection: readonly ControllerName[]): Promise<CustomResourceDefinition[]> {
  const crds: CustomResourceDefinition[] = [];
  for (const name of selection) {
    if (name === 'source') crds.push(GitRepositoryKind.crd);
    if (name === 'kustomize') crds.push(KustomizationKind.crd);
    if (name === 'image') {
      const image = await import('@weft/image-automation');
      crds.push(image.ImageRepositoryKind.crd, image.ImagePolicyKind.crd, image.ImageUpdateAutomationKind.crd);
    }
    if (name === 'progressive') {
      const progressive = await import('@weft/progressive');
      crds.push(progressive.CanaryKind.crd, progressive.MetricTemplateKind.crd);
    }
  }
  return crds;
}

/** The Canary controller's settings, as Flagger's flags name them. */
export interface CanarySettings {
  /** The router of Canaries without `spec.provider` (Flagger's `-mesh-provider`). */
  readonly meshProvider?: RouterProvider;
  /** Prometheus for the built-in metrics (Flagger's `-metrics-server`). */
  readonly metricsServer?: string;
  /** The shortest analysis interval honoured (Flagger's is a fixed 10 s; lower only for demos and tests). */
  readonly minInterval?: string;
}

/**
 * Adds the controllers of the selection that `createGitOpsManager` does not run itself (it runs
 * `source` and `kustomize`) to its Manager: image automation with its tag store under
 * `storageDir/image-tags`, the Canary controller with `canary`'s settings. Their packages are
 * imported here, only when selected.
 *
 * @example
 * ```ts
 * await addExtraControllers(manager, ['source', 'kustomize', 'image'], { storageDir: '/data' });
 * ```
 */
export async function addExtraControllers(manager: Manager, selection: readonly ControllerName[], options: { storageDir: string; namespace?: string | undefined; canary?: CanarySettings | undefined }): Promise<void> {
  const namespace = options.namespace !== undefined ? { namespace: options.namespace } : {};
  if (selection.includes('image')) {
    const { TagStore, imageAutomationControllers } = await import('@weft/image-automation');
    for (const controller of imageAutomationControllers({ ...namespace, tagStore: new TagStore(join(options.storageDir, 'image-tags')) })) manager.add(controller);
  }
  if (selection.includes('progressive')) {
    const { canaryController } = await import('@weft/progressive');
    const canary = options.canary ?? {};
    manager.add(
      canaryController({
        controller: namespace,
        ...(canary.meshProvider ? { defaultProvider: canary.meshProvider } : {}),
        ...(canary.metricsServer ? { metricsServer: canary.metricsServer } : {}),
        ...(canary.minInterval ? { minInterval: canary.minInterval } : {}),
      }),
    );
  }
}

/** The web view's kinds for a selection: an operator's view shows only what its controllers run (and its RBAC lets it read). */
export function viewKindsOf(selection: readonly ControllerName[]): ViewKindName[] {
  return [
    ...(selection.includes('source') ? (['GitRepository'] as const) : []),
    ...(selection.includes('kustomize') ? (['Kustomization'] as const) : []),
    ...(selection.includes('image') ? (['ImagePolicy'] as const) : []),
    ...(selection.includes('progressive') ? (['Canary'] as const) : []),
  ];
}
