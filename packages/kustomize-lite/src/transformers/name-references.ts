import { ResourceConflictError } from '../errors.js';
import { gvkSelected, visitFieldSpec, type NameReferenceRule } from './field-spec.js';
import { isJsonMap, type JsonMap } from '../json.js';
import { describeId, formatId, isClusterScoped, type ResId, type Resource } from '../resource.js';

function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id)) return '';
  return id.namespace === '' ? 'default' : id.namespace;
}

/** kustomize's ResId.EffectiveNamespace as its namespace groups use it: cluster-scoped objects are in none. */
function namespaceGroup(id: ResId): string {
  if (isClusterScoped(id)) return '\u0000non-namespaceable';
  return id.namespace === '' ? 'default' : id.namespace;
}

function sameEndingSubSlice(a: readonly string[], b: readonly string[]): boolean {
  const [shortest, longest] = a.length <= b.length ? [a, b] : [b, a];
  const offset = longest.length - shortest.length;
  if (shortest.length === 0) return offset === 0;
  return shortest.every((item, index) => longest[index + offset] === item);
}

function affixesMatch(candidate: Resource, referrer: Resource, allowEmpty: boolean): boolean {
  const prefixesOk = (allowEmpty && (candidate.prefixes.length === 0 || referrer.prefixes.length === 0)) || sameEndingSubSlice(candidate.prefixes, referrer.prefixes);
  const suffixesOk = (allowEmpty && (candidate.suffixes.length === 0 || referrer.suffixes.length === 0)) || sameEndingSubSlice(candidate.suffixes, referrer.suffixes);
  return prefixesOk && suffixesOk;
}

/** Which objects `referrer` may refer to: same namespace, cluster-scoped ones, and ServiceAccounts a RoleBinding names. */
function referableBy(referrer: Resource): (candidate: Resource) => boolean {
  const referrerId = referrer.currentId();
  if (isClusterScoped(referrerId)) return () => true;
  const bindingNamespaces = new Set<string>();
  if (referrer.kind === 'RoleBinding' && Array.isArray(referrer.object['subjects'])) {
    for (const subject of referrer.object['subjects']) {
      if (isJsonMap(subject) && subject['kind'] === 'ServiceAccount' && typeof subject['namespace'] === 'string') bindingNamespaces.add(subject['namespace']);
    }
  }
  const namespace = effectiveNamespace(referrerId);
  return (candidate) => {
    const id = candidate.currentId();
    return isClusterScoped(id) || effectiveNamespace(id) === namespace || bindingNamespaces.has(candidate.namespace);
  };
}

/** The objects a referrer may refer to: those that once had a given name, and all of them by namespace. */
interface Candidates {
  byPreviousName(name: string): readonly Resource[];
  /** kustomize's GroupedByOriginalNamespace, then GroupedByCurrentNamespace, of the referable objects. */
  inNamespace(namespace: string): readonly Resource[];
}

function referableCandidates(referable: (candidate: Resource) => boolean, index: ReadonlyMap<string, Resource[]>, resources: readonly Resource[]): Candidates {
  let groups: { original: Map<string, Resource[]>; current: Map<string, Resource[]> } | undefined;
  const grouped = () => {
    if (groups !== undefined) return groups;
    groups = { original: new Map(), current: new Map() };
    for (const resource of resources) {
      if (!referable(resource)) continue;
      for (const [map, id] of [[groups.original, resource.originalId()], [groups.current, resource.currentId()]] as const) {
        const key = namespaceGroup(id);
        const list = map.get(key) ?? [];
        list.push(resource);
        map.set(key, list);
      }
    }
    return groups;
  };
  return {
    byPreviousName: (name) => (index.get(name) ?? []).filter(referable),
    inNamespace: (namespace) => grouped().original.get(namespace) ?? grouped().current.get(namespace) ?? [],
  };
}

interface ReferenceContext {
  readonly rule: NameReferenceRule;
  readonly referrer: Resource;
  readonly path: string;
}

function selectReferral(oldName: string, candidates: Candidates | readonly Resource[], context: ReferenceContext, mapping = false): Resource | undefined {
  const { rule, referrer } = context;
  let matches = ('byPreviousName' in candidates ? candidates.byPreviousName(oldName) : candidates).filter((candidate) =>
    candidate.previousIds.some((id) => id.name === oldName),
  );
  matches = matches.filter((candidate) => candidate.previousIds.some((id) => gvkSelected(rule.target, id)));
  if (context.path.endsWith('roleRef/name') && isJsonMap(referrer.object['roleRef'])) {
    const roleRef = referrer.object['roleRef'];
    const kind = roleRef['kind'];
    if (typeof kind === 'string') matches = matches.filter((candidate) => candidate.kind === kind);
  }
  const referrerId = referrer.currentId();
  if (!isClusterScoped(referrerId)) {
    matches = matches.filter((candidate) => {
      const id = candidate.currentId();
      return isClusterScoped(id) || candidate.kind === 'ServiceAccount' || effectiveNamespace(id) === effectiveNamespace(referrerId);
    });
  }
  if (matches.length === 1) return matches[0];
  const strict = matches.filter((candidate) => affixesMatch(candidate, referrer, false));
  if (strict.length === 1) return strict[0];
  matches = matches.filter((candidate) => affixesMatch(candidate, referrer, true));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) return undefined;
  const first = matches[0] as Resource;
  // a map reference (name + namespace) is only unambiguous when the namespaces agree too
  if (matches.every((candidate) => candidate.name === first.name && (!mapping || candidate.namespace === first.namespace))) return first;
  throw new ResourceConflictError(
    `found multiple possible referrals: ${matches.map((candidate) => formatId(candidate.currentId())).join(', ')} for '${oldName}' at ${context.path} of ${describeId(referrerId)}`,
    { object: referrer.describe(), file: referrer.file },
  );
}

function rewriteMapping(node: JsonMap, candidates: Candidates, context: ReferenceContext): void {
  const name = node['name'];
  if (typeof name !== 'string') return;
  // kustomize does not look at a subject's kind: a User subject named as a ServiceAccount follows it
  let pool: Candidates | readonly Resource[] = candidates;
  const namespace = node['namespace'];
  if ('namespace' in node && (namespace === null || namespace === '')) {
    throw new ResourceConflictError(`Invalid Input: namespace is blank for resource ${describeId(context.referrer.currentId())} at ${context.path}`, {
      object: context.referrer.describe(),
      file: context.referrer.file,
    });
  }
  // the objects of that namespace as they were first read (`default` for none), else as they are now
  if (typeof namespace === 'string') pool = candidates.inNamespace(namespace);
  const referral = selectReferral(name, pool, context, true);
  if (referral === undefined) return;
  if (referral.name === name && referral.namespace === '') return;
  node['name'] = referral.name;
  if (referral.namespace !== '') node['namespace'] = referral.namespace;
}

/**
 * Rewrites references to renamed objects (prefix, suffix, hash, patch renames): ConfigMap and
 * Secret names in pod specs, ServiceAccounts in bindings, roleRef, HPA targets and every other
 * rule, as kustomize's name reference transformer does.
 *
 * @throws ResourceConflictError when a reference could mean several differently named objects.
 */
export function fixNameReferences(resources: readonly Resource[], rules: readonly NameReferenceRule[]): void {
  const index = new Map<string, Resource[]>();
  for (const resource of resources) {
    for (const name of new Set(resource.previousIds.map((id) => id.name))) {
      const list = index.get(name) ?? [];
      list.push(resource);
      index.set(name, list);
    }
  }
  for (const referrer of resources) {
    const gvk = referrer.gvk();
    let candidates: Candidates | undefined;
    for (const rule of rules) {
      for (const spec of rule.fieldSpecs) {
        if (!gvkSelected(spec, gvk)) continue;
        candidates ??= referableCandidates(referableBy(referrer), index, resources);
        const context: ReferenceContext = { rule, referrer, path: spec.path };
        const pool = candidates;
        visitFieldSpec(referrer.object, { ...spec, create: false }, 'none', (parent, key) => {
          const value = parent[key];
          const rewriteScalar = (name: string): string => {
            const referral = selectReferral(name, pool, context, true);
            return referral === undefined ? name : referral.name;
          };
          if (typeof value === 'string') parent[key] = rewriteScalar(value);
          else if (isJsonMap(value)) rewriteMapping(value, pool, context);
          else if (Array.isArray(value)) {
            value.forEach((item, index) => {
              if (typeof item === 'string') value[index] = rewriteScalar(item);
              else if (isJsonMap(item)) rewriteMapping(item, pool, context);
            });
          }
        }, () => referrer.describe());
      }
    }
  }
}
