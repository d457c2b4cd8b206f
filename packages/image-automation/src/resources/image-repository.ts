import { type DefinedResource, type KubeObject, type Condition, conditionsSchema, defineResource } from '@weft/reconcile-core';
import { intervalSchema, localRefSchema, readyColumns } from './schema-parts.js';

/** `spec` of an {@link ImageRepository}: Flux's `image.toolkit.fluxcd.io/v1` field names. */
export interface ImageRepositorySpec {
  /** The repository to scan, e.g. `ghcr.io/org/app` (no scheme, no tag). */
  image: string;
  /** Time between scans (Go duration). */
  interval: string;
  /** Per scan; default `interval` (at least 1s). */
  timeout?: string;
  /** A `kubernetes.io/dockerconfigjson` Secret with the registry credentials. */
  secretRef?: { name: string };
  /** A Secret with `ca.crt` (and optionally `tls.crt`/`tls.key`) for the registry's TLS. */
  certSecretRef?: { name: string };
  /** Plain HTTP. */
  insecure?: boolean;
  suspend?: boolean;
  /** Regexps (Go syntax) of tags not to keep; default `['^.*\\.sig$']`. At most 25. */
  exclusionList?: string[];
  /** Only `generic` (credentials from `secretRef`): the cloud login providers are not implemented. */
  provider?: 'generic';
}

/** `status.lastScanResult`. */
export interface ScanResult {
  /** A checksum of the stored tags (Flux's: adler32 of their JSON). */
  revision: string;
  tagCount: number;
  scanTime: string;
  /** The first 10 tags in descending name order. */
  latestTags?: string[];
}

/** `status` of an {@link ImageRepository}. */
export type ImageRepositoryStatus = {
  observedGeneration?: number;
  conditions?: Condition[];
  canonicalImageName?: string;
  lastScanResult?: ScanResult;
  observedExclusionList?: string[];
  lastHandledReconcileAt?: string;
};

/** Weft's ImageRepository (`image.weft.dev/v1`), a port of Flux's. */
export interface ImageRepository extends KubeObject {
  spec: ImageRepositorySpec;
  status?: ImageRepositoryStatus;
}

/**
 * The `ImageRepository` custom resource (`image.weft.dev/v1`): which registry repository to
 * scan and how often. Flux's manifests port by changing the `apiVersion`.
 *
 * @example
 * ```ts
 * import { installCRDs } from '@weft/reconcile-core';
 * import { ImagePolicyKind, ImageRepositoryKind, ImageUpdateAutomationKind } from '@weft/image-automation';
 * await installCRDs(client, [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind]);
 * ```
 */
export const ImageRepositoryKind = defineResource({
  group: 'image.weft.dev',
  version: 'v1',
  kind: 'ImageRepository',
  shortNames: ['imgrepo', 'imagerepo'],
  categories: ['weft', 'weft-image'],
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Tags', type: 'string', jsonPath: '.status.lastScanResult.tagCount' },
    ...readyColumns,
  ],
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['image', 'interval'],
        properties: {
          image: { type: 'string', minLength: 1 },
          interval: intervalSchema,
          timeout: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$' },
          secretRef: localRefSchema,
          certSecretRef: localRefSchema,
          insecure: { type: 'boolean' },
          suspend: { type: 'boolean' },
          exclusionList: { type: 'array', maxItems: 25, items: { type: 'string' } },
          provider: { type: 'string', enum: ['generic'] },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
          canonicalImageName: { type: 'string' },
          lastScanResult: {
            type: 'object',
            required: ['tagCount'],
            properties: {
              revision: { type: 'string' },
              tagCount: { type: 'integer' },
              scanTime: { type: 'string', format: 'date-time' },
              latestTags: { type: 'array', items: { type: 'string' } },
            },
          },
          observedExclusionList: { type: 'array', items: { type: 'string' } },
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
} as const) as unknown as DefinedResource<ImageRepository>;
