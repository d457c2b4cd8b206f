import { type Condition, type CustomResourceDefinition, type DefinedResource, type KubeObject, defineResource, conditionsSchema } from '@weft/reconcile-core';
import type { IgnoreRule, Inventory, RemediationMode } from '@weft/drift';
import type { SubstituteReference } from '@weft/kustomize-lite';

/** A reference to an object in the cluster (Flux's `NamespacedObjectKindReference`), for health checks. */
export interface NamespacedObjectKindReference {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A reference to a Kustomization this one depends on. */
export interface DependencyReference {
  name: string;
  /** Default: the namespace of the Kustomization that names it. */
  namespace?: string;
}

/**
 * Drift detection and remediation, named as Flux's HelmRelease names it (`spec.driftDetection`).
 *
 * @remarks
 * `mode`:
 * - `revert` (default): edits made behind git's back are put back as they happen (a watch on the
 *   applied objects), and every interval re-applies the whole set, as Flux does.
 * - `report`: drift is reported (Warning `DriftDetected` Events) but not reverted; the set is
 *   re-applied only when the revision or the spec changes.
 * - `disabled`: no drift watch; every interval re-applies the whole set (Flux's kustomize-controller).
 * `enabled` and `warn` (Flux HelmRelease's words) are accepted as `revert` and `report`.
 * `ignore`: fields (JSON pointers, field managers, target selectors) left out of drift detection
 * and correction, as `@weft/drift`'s ignore rules.
 */
export interface DriftDetection {
  mode?: RemediationMode | 'disabled' | 'enabled' | 'warn';
  ignore?: IgnoreRule[];
}

/** `spec` of a {@link Kustomization}: Flux's `kustomize.toolkit.fluxcd.io/v1` field names. */
export interface KustomizationSpec {
  sourceRef: { kind: 'GitRepository'; name: string; namespace?: string; apiVersion?: string };
  /** Directory in the artifact to build. Default: the artifact's root. */
  path?: string;
  interval: string;
  /** Requeue delay after a failure. Default: `interval`. */
  retryInterval?: string;
  /** Limit of the health checks (and of apply waits). Default: `interval` less 30 s, at least 30 s (Flux's). */
  timeout?: string;
  /** Delete objects that left the set. Default false. */
  prune: boolean;
  /** Wait for every applied object to be healthy. Overrides `healthChecks`. */
  wait?: boolean;
  healthChecks?: NamespacedObjectKindReference[];
  dependsOn?: DependencyReference[];
  /** Put every namespaced object in this namespace (kustomize's `namespace:`). */
  targetNamespace?: string;
  postBuild?: { substitute?: Record<string, string>; substituteFrom?: SubstituteReference[] };
  driftDetection?: DriftDetection;
  /** Recreate objects whose immutable fields change. */
  force?: boolean;
  suspend?: boolean;
}

/** `status` of a {@link Kustomization}. */
export interface KustomizationStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  lastHandledReconcileAt?: string;
  /** The objects applied by the last successful reconcile, in `@weft/drift`'s (Flux's) inventory format. */
  inventory?: Inventory;
  /**
   * Objects this Kustomization and another one both declare (not in Flux): `id` is the inventory
   * id, `kustomization` the other one (`namespace/name`), `owner` whether this one holds the
   * object (its ownership labels name it) or the other does. Either way `Ready` is False with
   * reason `OwnershipConflict` until one of them stops declaring it.
   */
  conflicts?: OwnershipConflictEntry[];
}

/** One entry of {@link KustomizationStatus.conflicts}. */
export interface OwnershipConflictEntry {
  /** The object's inventory id, `<namespace>_<name>_<group>_<kind>`. */
  id: string;
  /** Its version. */
  v: string;
  /** The other Kustomization that declares it, `namespace/name`. */
  kustomization: string;
  /** Whether this Kustomization holds it (its labels name this one); false: the other one holds it. */
  owner: boolean;
}

/** Weft's Kustomization (`kustomize.weft.dev/v1`), a port of Flux's. */
export interface Kustomization extends KubeObject {
  spec: KustomizationSpec;
  status?: KustomizationStatus;
}

const duration = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' } as const;

const targetSelector = {
  type: 'object',
  properties: {
    group: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    namespace: { type: 'string' },
    labelSelector: { type: 'string' },
    annotationSelector: { type: 'string' },
  },
} as const;

/**
 * The `Kustomization` custom resource (`kustomize.weft.dev/v1`), with Flux's field names, so a
 * Flux manifest ports by changing its `apiVersion` (and its `sourceRef`'s).
 *
 * @remarks
 * Install its CRD with {@link installGitOpsCrds} (or `installCRDs(client, [KustomizationKind])`).
 * Durations are Go durations; `sourceRef.kind` must be `GitRepository`.
 *
 * @example
 * ```ts
 * import { KustomizationKind } from '@weft/delivery';
 *
 * await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'shop', namespace: 'default' },
 *   spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: './deploy', targetNamespace: 'default', interval: '5m', prune: true } });
 * ```
 */
export const KustomizationKind = defineResource({
  group: 'kustomize.weft.dev',
  version: 'v1',
  kind: 'Kustomization',
  shortNames: ['ks'],
  categories: ['weft'],
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['sourceRef', 'interval', 'prune'],
        properties: {
          sourceRef: {
            type: 'object',
            required: ['kind', 'name'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string', enum: ['GitRepository'] },
              name: { type: 'string', minLength: 1 },
              namespace: { type: 'string' },
            },
          },
          path: { type: 'string' },
          interval: duration,
          retryInterval: duration,
          timeout: duration,
          prune: { type: 'boolean' },
          wait: { type: 'boolean' },
          healthChecks: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kind', 'name'],
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, namespace: { type: 'string' } },
            },
          },
          dependsOn: {
            type: 'array',
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } } },
          },
          targetNamespace: { type: 'string', maxLength: 63, minLength: 1 },
          postBuild: {
            type: 'object',
            properties: {
              substitute: { type: 'object', additionalProperties: { type: 'string' } },
              substituteFrom: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['kind', 'name'],
                  properties: { kind: { type: 'string', enum: ['ConfigMap', 'Secret'] }, name: { type: 'string' }, optional: { type: 'boolean' } },
                },
              },
            },
          },
          driftDetection: {
            type: 'object',
            properties: {
              mode: { type: 'string', enum: ['revert', 'report', 'disabled', 'enabled', 'warn'] },
              ignore: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    paths: { type: 'array', items: { type: 'string' } },
                    managers: { type: 'array', items: { type: 'string' } },
                    target: targetSelector,
                  },
                },
              },
            },
          },
          force: { type: 'boolean' },
          suspend: { type: 'boolean' },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
          lastAppliedRevision: { type: 'string' },
          lastAttemptedRevision: { type: 'string' },
          lastHandledReconcileAt: { type: 'string' },
          inventory: {
            type: 'object',
            required: ['entries'],
            properties: {
              entries: {
                type: 'array',
                items: { type: 'object', required: ['id', 'v'], properties: { id: { type: 'string' }, v: { type: 'string' } } },
              },
            },
          },
          conflicts: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'v', 'kustomization', 'owner'],
              properties: { id: { type: 'string' }, v: { type: 'string' }, kustomization: { type: 'string' }, owner: { type: 'boolean' } },
            },
          },
        },
      },
    },
  },
} as const) as unknown as DefinedResource<Kustomization>;

/**
 * The CRD manifest of {@link KustomizationKind} (`kustomizations.kustomize.weft.dev`), as
 * the gitops operator's `deploy/crds.yaml` holds it.
 *
 * @example
 * ```ts
 * import { kustomizationCrd } from '@weft/delivery';
 *
 * console.log(kustomizationCrd.metadata.name); // kustomizations.kustomize.weft.dev
 * ```
 */
export const kustomizationCrd: CustomResourceDefinition = KustomizationKind.crd;
