import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Controller, ControllerOptions, KubeObject } from '@weft/reconcile-core';
import { TagStore } from '../tag-store.js';
import { ImagePolicyReconciler, imagePolicyController } from './image-policy-reconciler.js';
import { ImageRepositoryReconciler, imageRepositoryController } from './image-repository-reconciler.js';
import { ImageUpdateAutomationReconciler, imageUpdateAutomationController } from './image-update-automation-reconciler.js';

/** Options of {@link imageAutomationControllers}. */
export interface ImageAutomationControllersOptions {
  /** Where scanned tags are kept (survives restarts); default `$TMPDIR/weft-image-automation/tags`. */
  readonly tagStore?: TagStore;
  /** Watch one namespace; default all. */
  readonly namespace?: string;
  /** Per-key retry delays of the three controllers. */
  readonly retry?: ControllerOptions<KubeObject>['retry'];
  /** Per git operation of the automations; default 60s. */
  readonly gitTimeout?: string | number;
}

/**
 * The three controllers of image automation — ImageRepository, ImagePolicy,
 * ImageUpdateAutomation — sharing one tag store, ready to add to a `Manager` (for instance the
 * GitOps operator's, so a new image becomes a commit that the same process then applies).
 *
 * @remarks
 * Install the CRDs first: `ImageRepositoryKind`, `ImagePolicyKind`, `ImageUpdateAutomationKind`
 * and git-source's `GitRepositoryKind`.
 *
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { imageAutomationControllers, TagStore } from '@weft/image-automation';
 * for (const controller of imageAutomationControllers({ namespace: 'apps', tagStore: new TagStore(join(tmpdir(), 'weft', 'tags')) })) manager.add(controller);
 * ```
 */
export function imageAutomationControllers(options: ImageAutomationControllersOptions = {}): Controller<any>[] {
  const tagStore = options.tagStore ?? new TagStore(join(tmpdir(), 'weft-image-automation', 'tags'));
  const common = { ...(options.namespace !== undefined ? { namespace: options.namespace } : {}), ...(options.retry ? { retry: options.retry } : {}) };
  return [
    imageRepositoryController(common).reconcile(new ImageRepositoryReconciler({ tagStore })),
    imagePolicyController(common).reconcile(new ImagePolicyReconciler({ tagStore })),
    imageUpdateAutomationController(common).reconcile(new ImageUpdateAutomationReconciler(options.gitTimeout !== undefined ? { gitTimeout: options.gitTimeout } : {})),
  ];
}
