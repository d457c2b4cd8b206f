import { type KubeObject, type ResourceKind, resourceKind } from '@weft/reconcile-core';
import { GitRepositoryKind, type GitRepository } from '@weft/git-source';
import { KustomizationKind, type Kustomization } from '@weft/delivery';
import { CanaryKind, type Canary } from '@weft/progressive';
import type { ViewKindName } from './view-model.js';

/**
 * The fields of an `image.weft.dev/v1` ImagePolicy the view reads. The view does not import
 * `@weft/image-automation`: an operator without image automation shows the page as "not served".
 */
export interface ImagePolicyObject extends KubeObject {
  readonly spec: { readonly imageRepositoryRef: { readonly name: string; readonly namespace?: string }; readonly suspend?: boolean };
  readonly status?: {
    readonly latestRef?: { readonly name?: string; readonly tag?: string; readonly digest?: string };
    readonly observedGeneration?: number;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string; readonly observedGeneration?: number }[];
  };
}

/** `image.weft.dev/v1` ImagePolicy (`@weft/image-automation`'s resource). */
export const ImagePolicyViewKind = resourceKind<ImagePolicyObject>({ apiVersion: 'image.weft.dev/v1', kind: 'ImagePolicy', plural: 'imagepolicies', namespaced: true });

/** The kinds whose objects the view lists, by the name the page uses. */
export const viewKinds = {
  GitRepository: GitRepositoryKind as ResourceKind<GitRepository>,
  Kustomization: KustomizationKind as ResourceKind<Kustomization>,
  ImagePolicy: ImagePolicyViewKind,
  Canary: CanaryKind as ResourceKind<Canary>,
} as const satisfies Record<ViewKindName, ResourceKind<KubeObject>>;

export type { ViewKindName };

/** The kinds whose Events make the timeline. */
export const timelineKinds: ReadonlySet<string> = new Set(['GitRepository', 'Kustomization', 'Canary', 'ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation']);
