import type { CrdSpec } from './registry.js';
import type { StatusCause } from './status-error.js';
import { isJsonObject, nowTimestamp, type StoredObject } from './stored-object.js';

/** The finalizer the apiserver puts on every CRD so that deleting it first deletes its objects. */
export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

/** The causes of an invalid CustomResourceDefinition (the checks tests run into), empty when valid. */
export function crdProblems(crd: StoredObject): StatusCause[] {
  const spec = (isJsonObject(crd['spec']) ? crd['spec'] : {}) as Partial<CrdSpec>;
  const causes: StatusCause[] = [];
  const names = spec.names;
  if (!spec.group) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.group' });
  else if (!spec.group.includes('.')) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${spec.group}": should be a domain with at least one dot`, field: 'spec.group' });
  if (!names?.plural) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.plural' });
  if (!names?.kind) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.kind' });
  if (names?.plural && spec.group && crd.metadata.name !== `${names.plural}.${spec.group}`) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`, field: 'metadata.name' });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: "${String(spec.scope ?? '')}": supported values: "Cluster", "Namespaced"`, field: 'spec.scope' });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "null": must have exactly one version marked as storage version', field: 'spec.versions' });
  else if (versions.filter((version) => version.storage).length !== 1) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(versions)}: must have exactly one version marked as storage version`, field: 'spec.versions' });
  }
  versions.forEach((version, index) => {
    if (!version.schema?.openAPIV3Schema) causes.push({ reason: 'FieldValueRequired', message: 'Required value: schemas are required', field: `spec.versions[${index}].schema.openAPIV3Schema` });
  });
  return causes;
}

/** The status the apiserver's CRD controllers give an accepted CRD: names accepted, Established. */
export function establishedStatus(crd: StoredObject): Record<string, unknown> {
  const spec = crd['spec'] as CrdSpec;
  const now = nowTimestamp();
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: {
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
      ...(spec.names.categories ? { categories: spec.names.categories } : {}),
    },
    storedVersions: spec.versions.filter((version) => version.storage).map((version) => version.name),
  };
}

/** Fills the defaults apiextensions gives a CRD: singular, listKind, conversion. */
export function defaultCrd(crd: StoredObject): void {
  const spec = crd['spec'] as CrdSpec & { conversion?: unknown };
  if (!isJsonObject(spec) || !isJsonObject(spec.names) || typeof spec.names.kind !== 'string') return;
  spec.names.singular ??= spec.names.kind.toLowerCase();
  spec.names.listKind ??= `${spec.names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
}
