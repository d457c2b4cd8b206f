import { type DefinedResource, type KubeObject, type Condition, type LabelSelectorObject, conditionsSchema, defineResource } from '@weft/reconcile-core';
import { imageRefSchema, intervalSchema, readyColumns } from './schema-parts.js';
import type { ImageRef } from '../setters/rewrite-setters.js';

/** `spec` of an {@link ImageUpdateAutomation}: Flux's field names, plus `git.push.branchTemplate`. */
export interface ImageUpdateAutomationSpec {
  /** The GitRepository (`source.weft.dev/v1`) to check out and push to. */
  sourceRef: { kind?: 'GitRepository'; name: string; namespace?: string };
  git: {
    /** The branch to start from; default the GitRepository's `spec.ref.branch`. */
    checkout?: { ref: { branch: string } };
    commit: {
      author: { name?: string; email: string };
      /** Go template (Flux's data: `.AutomationObject`, `.Changed`, `.Values`); default Flux's message. */
      messageTemplate?: string;
      messageTemplateValues?: Record<string, string>;
      /** Not supported: a commit signing key (Stalled with `UnsupportedFeature` when set). */
      signingKey?: { secretRef: { name: string } };
    };
    push?: {
      /** Push to this branch instead of the checkout branch (created from it when missing). */
      branch?: string;
      /**
       * Weft's: one branch per update. A template (as `messageTemplate`) rendered from the update,
       * e.g. `image-updates/{{ range .Changed.Changes }}{{ .NewValue }}{{ end }}`; each distinct
       * update lands on its own branch, ready to become a pull request. Takes precedence over `branch`.
       */
      branchTemplate?: string;
    };
  };
  interval: string;
  update?: { path?: string; strategy?: 'Setters' };
  /** Which ImagePolicies in the namespace take part; default all. */
  policySelector?: LabelSelectorObject;
  suspend?: boolean;
}

/** `status` of an {@link ImageUpdateAutomation}. */
export type ImageUpdateAutomationStatus = {
  lastAutomationRunTime?: string;
  lastPushCommit?: string;
  lastPushTime?: string;
  /** The policies used in the last run and their refs, by name. */
  observedPolicies?: Record<string, ImageRef>;
  /** `branch@sha1:<commit>` of the checkout the last run started from. */
  observedSourceRevision?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
};

/** Weft's ImageUpdateAutomation (`image.weft.dev/v1`), a port of Flux's. */
export interface ImageUpdateAutomation extends KubeObject {
  spec: ImageUpdateAutomationSpec;
  status?: ImageUpdateAutomationStatus;
}

/**
 * The `ImageUpdateAutomation` custom resource (`image.weft.dev/v1`): where to write the
 * policies' results back to git.
 *
 * @example
 * ```ts
 * import { installCRDs } from '@weft/reconcile-core';
 * import { ImageUpdateAutomationKind } from '@weft/image-automation';
 * await installCRDs(client, [ImageUpdateAutomationKind]);
 * ```
 */
export const ImageUpdateAutomationKind = defineResource({
  group: 'image.weft.dev',
  version: 'v1',
  kind: 'ImageUpdateAutomation',
  shortNames: ['iua', 'imgupd'],
  categories: ['weft', 'weft-image'],
  printerColumns: [
    { name: 'Last run', type: 'string', jsonPath: '.status.lastAutomationRunTime' },
    ...readyColumns,
  ],
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['sourceRef', 'git', 'interval'],
        properties: {
          sourceRef: {
            type: 'object',
            required: ['name'],
            properties: { kind: { type: 'string', enum: ['GitRepository'] }, name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } },
          },
          git: {
            type: 'object',
            required: ['commit'],
            properties: {
              checkout: {
                type: 'object',
                required: ['ref'],
                properties: { ref: { type: 'object', required: ['branch'], properties: { branch: { type: 'string', minLength: 1 } } } },
              },
              commit: {
                type: 'object',
                required: ['author'],
                properties: {
                  author: { type: 'object', required: ['email'], properties: { name: { type: 'string' }, email: { type: 'string' } } },
                  messageTemplate: { type: 'string' },
                  messageTemplateValues: { type: 'object', additionalProperties: { type: 'string' } },
                  signingKey: {
                    type: 'object',
                    required: ['secretRef'],
                    properties: { secretRef: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
                  },
                },
              },
              push: { type: 'object', properties: { branch: { type: 'string' }, branchTemplate: { type: 'string' } } },
            },
          },
          interval: intervalSchema,
          update: {
            type: 'object',
            properties: { path: { type: 'string' }, strategy: { type: 'string', enum: ['Setters'] } },
          },
          policySelector: {
            type: 'object',
            properties: {
              matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
              matchExpressions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['key', 'operator'],
                  properties: {
                    key: { type: 'string' },
                    operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
                    values: { type: 'array', items: { type: 'string' } },
                  },
                },
              },
            },
          },
          suspend: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          lastAutomationRunTime: { type: 'string' },
          lastPushCommit: { type: 'string' },
          lastPushTime: { type: 'string' },
          observedPolicies: { type: 'object', additionalProperties: imageRefSchema },
          observedSourceRevision: { type: 'string' },
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
          lastHandledReconcileAt: { type: 'string' },
        },
      },
    },
  },
} as const) as unknown as DefinedResource<ImageUpdateAutomation>;
