import { KustomizationFileError } from '../errors.js';
import type { JsonMap } from '../json.js';
import type { TargetSelector } from '../kustomization.js';
import { isClusterScoped, type ResId, type Resource } from '../resource.js';

type Requirement =
  | { key: string; op: 'exists' | 'notExists' }
  | { key: string; op: 'in' | 'notIn'; values: string[] };

/**
 * Parses a Kubernetes label selector string (`a=b,c!=d,e in (x,y),!f,g`).
 *
 * @throws KustomizationFileError for malformed selectors.
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    let match: RegExpMatchArray | null;
    if ((match = part.match(/^!\s*([^\s=!(),]+)$/))) requirements.push({ key: match[1] as string, op: 'notExists' });
    else if ((match = part.match(/^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/))) {
      requirements.push({ key: match[1] as string, op: match[2] === '!=' ? 'notIn' : 'in', values: [match[3] as string] });
    } else if ((match = part.match(/^([^\s=!(),]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (match[3] as string).split(',').map((value) => value.trim());
      requirements.push({ key: match[1] as string, op: match[2] === 'in' ? 'in' : 'notIn', values });
    } else if ((match = part.match(/^([^\s=!(),]+)$/))) requirements.push({ key: match[1] as string, op: 'exists' });
    else throw new KustomizationFileError(`unable to parse requirement: invalid label selector "${selector}"`);
  }
  return requirements;
}

/** Whether a label (or annotation) map satisfies a selector string. */
export function matchesSelector(selector: string, labels: JsonMap | undefined): boolean {
  return parseLabelSelector(selector).every((requirement) => {
    const value = labels?.[requirement.key];
    const present = value !== undefined && value !== null;
    const text = present ? String(value) : '';
    switch (requirement.op) {
      case 'exists':
        return present;
      case 'notExists':
        return !present;
      case 'in':
        return present && requirement.values.includes(text);
      case 'notIn':
        return !present || !requirement.values.includes(text);
    }
  });
}

const regexCache = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(`^(?:${pattern})$`);
    } catch (error) {
      throw new KustomizationFileError(`invalid target regex '${pattern}': ${(error as Error).message}`, { cause: error });
    }
    regexCache.set(pattern, regex);
  }
  return regex;
}

/** Whether `value` matches `pattern` as an anchored regex (an empty or missing pattern matches anything). */
export function matchesPattern(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || pattern === '' || anchored(pattern).test(value);
}

function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id)) return '';
  return id.namespace === '' ? 'default' : id.namespace;
}

/**
 * The resources a patch/replacement target selects, as kustomize's `ResMap.Select`: group,
 * version, kind, name and namespace as anchored regexes (name and namespace tried against the
 * original and the current id), then label and annotation selectors.
 */
export function selectResources(resources: readonly Resource[], selector: TargetSelector): Resource[] {
  return resources.filter((resource) => {
    const current = resource.currentId();
    const original = resource.originalId();
    if (selector.namespace !== undefined && selector.namespace !== '') {
      if (!matchesPattern(selector.namespace, effectiveNamespace(original)) && !matchesPattern(selector.namespace, effectiveNamespace(current))) return false;
    }
    if (!matchesPattern(selector.name, original.name) && !matchesPattern(selector.name, current.name)) return false;
    if (!matchesPattern(selector.group, current.group) || !matchesPattern(selector.version, current.version) || !matchesPattern(selector.kind, current.kind)) return false;
    if (selector.labelSelector !== undefined && selector.labelSelector !== '' && !matchesSelector(selector.labelSelector, resource.labels())) return false;
    if (selector.annotationSelector !== undefined && selector.annotationSelector !== '' && !matchesSelector(selector.annotationSelector, resource.annotations())) return false;
    return true;
  });
}
