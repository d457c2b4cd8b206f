import { type LabelSelector, LabelSelectorError, parseLabelSelector } from '@weft/reconcile-core';
import { badRequest } from './status-error.js';
import type { ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** A compiled selector: whether an object matches. */
export type ObjectPredicate = (object: StoredObject) => boolean;

/**
 * Compiles a `labelSelector` query (`tier=front,env in (a,b),!legacy`).
 *
 * @throws {@link StatusError} 400 BadRequest when it does not parse, as the apiserver answers.
 */
export function compileLabelSelector(selector: string | undefined): ObjectPredicate {
  if (!selector || selector.trim() === '') return () => true;
  let parsed: LabelSelector;
  try {
    parsed = parseLabelSelector(selector);
  } catch (error) {
    // The same message the apiserver sends (`unable to parse requirement: …`), as its 400.
    if (error instanceof LabelSelectorError) throw badRequest(error.message);
    throw error;
  }
  return (object) => parsed.matches(object.metadata.labels);
}

/**
 * Compiles a `fieldSelector` query (`metadata.name=web,status.phase!=Running`) for a resource.
 *
 * @throws {@link StatusError} 400 BadRequest for a field the resource does not index, as the apiserver answers.
 */
export function compileFieldSelector(selector: string | undefined, resource: ResourceDefinition): ObjectPredicate {
  if (!selector || selector.trim() === '') return () => true;
  const terms = selector.split(',').map((term) => {
    const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    let read: ((object: StoredObject) => string) | undefined;
    if (field === 'metadata.name') read = (object) => object.metadata.name ?? '';
    else if (field === 'metadata.namespace' && resource.namespaced) read = (object) => object.metadata.namespace ?? '';
    else if (resource.fieldLabels[field]) read = resource.fieldLabels[field];
    if (!read) {
      const known = ['metadata.name', 'metadata.namespace', ...Object.keys(resource.fieldLabels).sort()];
      throw badRequest(`"${field}" is not a known field selector: only ${known.map((name) => `"${name}"`).join(', ')}`);
    }
    const reader = read;
    return op === '!=' ? (object: StoredObject) => reader(object) !== value : (object: StoredObject) => reader(object) === value;
  });
  return (object) => terms.every((term) => term(object));
}
