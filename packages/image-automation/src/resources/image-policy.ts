import { type DefinedResource, type KubeObject, type Condition, conditionsSchema, defineResource } from '@weft/reconcile-core';
import { imageRefSchema, intervalSchema, readyColumns } from './schema-parts.js';
import type { ImagePolicyChoice, TagFilter } from '../policy/types.js';
import type { ImageRef } from '../setters/rewrite-setters.js';

/** Flux's `digestReflectionPolicy`: whether `status.latestRef.digest` is looked up. */
export type DigestReflectionPolicy = 'Never' | 'IfNotPresent' | 'Always';

/** `spec` of an {@link ImagePolicy}: Flux's field names, plus the `calver` policy and `semver.prereleaseOrder`. */
export interface ImagePolicySpec {
  /** The ImageRepository whose tags are chosen from (same namespace; see the README on `namespace`). */
  imageRepositoryRef: { name: string; namespace?: string };
  policy: ImagePolicyChoice;
  filterTags?: TagFilter;
  /** Default `Never`. */
  digestReflectionPolicy?: DigestReflectionPolicy;
  /** How often the digest is refreshed with `Always`; required then (Flux validates the same). */
  interval?: string;
  suspend?: boolean;
}

/** `status` of an {@link ImagePolicy}. */
export type ImagePolicyStatus = {
  latestRef?: ImageRef;
  observedPreviousRef?: ImageRef;
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
};

/** Weft's ImagePolicy (`image.weft.dev/v1`), a port of Flux's. */
export interface ImagePolicy extends KubeObject {
  spec: ImagePolicySpec;
  status?: ImagePolicyStatus;
}

const order = { type: 'object', properties: { order: { type: 'string', enum: ['asc', 'desc'] } } } as const;
/**
 * The `ImagePolicy` custom resource (`image.weft.dev/v1`): how to choose the latest tag of an
 * ImageRepository.
 *
 * @example
 * ```ts
 * import { type ImagePolicy } from '@weft/image-automation';
 * await client.create({ apiVersion: 'image.weft.dev/v1', kind: 'ImagePolicy', metadata: { name: 'web', namespace: 'apps' },
 *   spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '^1' } } } } as ImagePolicy);
 * ```
 */
export const ImagePolicyKind = defineResource({
  group: 'image.weft.dev',
  version: 'v1',
  kind: 'ImagePolicy',
  shortNames: ['imgpol', 'imagepol'],
  categories: ['weft', 'weft-image'],
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.status.latestRef.name' },
    { name: 'Tag', type: 'string', jsonPath: '.status.latestRef.tag' },
    ...readyColumns,
  ],
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['imageRepositoryRef', 'policy'],
        properties: {
          imageRepositoryRef: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } },
          },
          policy: {
            type: 'object',
            properties: {
              semver: {
                type: 'object',
                required: ['range'],
                properties: { range: { type: 'string' }, prereleaseOrder: { type: 'string', enum: ['semver', 'natural'] } },
              },
              alphabetical: order,
              numerical: order,
              calver: order,
            },
          },
          filterTags: { type: 'object', properties: { pattern: { type: 'string' }, extract: { type: 'string' } } },
          digestReflectionPolicy: { type: 'string', enum: ['Never', 'IfNotPresent', 'Always'] },
          interval: intervalSchema,
          suspend: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          latestRef: imageRefSchema,
          observedPreviousRef: imageRefSchema,
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
} as const) as unknown as DefinedResource<ImagePolicy>;
