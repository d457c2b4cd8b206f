import { type Condition, type DefinedResource, type KubeObject, defineResource, conditionsSchema } from '@weft/reconcile-core';

/** `spec` of a {@link GitRepository}: Flux's `source.toolkit.fluxcd.io/v1` field names. */
export interface GitRepositorySpec {
  url: string;
  interval: string;
  timeout?: string;
  ref?: { branch?: string; tag?: string; semver?: string; name?: string; commit?: string };
  secretRef?: { name: string };
  ignore?: string;
  include?: { repository: { name: string }; fromPath?: string; toPath?: string }[];
  verify?: { mode?: 'HEAD' | 'head' | 'Tag' | 'TagAndHEAD'; secretRef: { name: string } };
  recurseSubmodules?: boolean;
  suspend?: boolean;
}

/** `status.artifact` of a {@link GitRepository}. */
export interface GitRepositoryArtifact {
  revision: string;
  digest: string;
  size: number;
  lastUpdateTime: string;
  path: string;
  url: string;
}

/** `status` of a {@link GitRepository}. */
export interface GitRepositoryStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  artifact?: GitRepositoryArtifact;
  observedIgnore?: string;
  sourceVerificationMode?: string;
  lastHandledReconcileAt?: string;
}

/** Weft's GitRepository (`source.weft.dev/v1`), a port of Flux's. */
export interface GitRepository extends KubeObject {
  spec: GitRepositorySpec;
  status?: GitRepositoryStatus;
}

const localRef = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } as const;

/**
 * The `GitRepository` custom resource (`source.weft.dev/v1`), with Flux's field names, so a
 * Flux manifest ports by changing its `apiVersion`.
 *
 * @remarks
 * Install its CRD with `installCRDs(client, [GitRepositoryKind])`. `url` must be HTTP(S) or
 * SSH-looking (SSH is refused at reconcile time with a clear condition); `interval` is a Go
 * duration; `verify.mode` defaults to `HEAD`.
 *
 * @example
 * ```ts
 * import { installCRDs } from '@weft/reconcile-core';
 * import { GitRepositoryKind } from '@weft/git-source';
 * await installCRDs(client, [GitRepositoryKind]);
 * ```
 */
export const GitRepositoryKind = defineResource({
  group: 'source.weft.dev',
  version: 'v1',
  kind: 'GitRepository',
  shortNames: ['gitrepo'],
  categories: ['weft', 'weft-source'],
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['url', 'interval'],
        properties: {
          url: { type: 'string', pattern: '^(http|https|ssh)://.*$' },
          interval: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
          timeout: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$' },
          ref: {
            type: 'object',
            properties: {
              branch: { type: 'string' },
              tag: { type: 'string' },
              semver: { type: 'string' },
              name: { type: 'string' },
              commit: { type: 'string' },
            },
          },
          secretRef: localRef,
          ignore: { type: 'string' },
          include: {
            type: 'array',
            items: {
              type: 'object',
              required: ['repository'],
              properties: { repository: localRef, fromPath: { type: 'string' }, toPath: { type: 'string' } },
            },
          },
          verify: {
            type: 'object',
            required: ['secretRef'],
            properties: { mode: { type: 'string', enum: ['HEAD', 'head', 'Tag', 'TagAndHEAD'] }, secretRef: localRef },
          },
          recurseSubmodules: { type: 'boolean' },
          suspend: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
          artifact: {
            type: 'object',
            required: ['revision', 'digest', 'size', 'lastUpdateTime', 'path', 'url'],
            properties: {
              revision: { type: 'string' },
              digest: { type: 'string' },
              size: { type: 'integer' },
              lastUpdateTime: { type: 'string', format: 'date-time' },
              path: { type: 'string' },
              url: { type: 'string' },
            },
          },
          observedIgnore: { type: 'string' },
          sourceVerificationMode: { type: 'string' },
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
} as const) as unknown as DefinedResource<GitRepository>;
