import { WeftError, objectRef, parseLabelSelector, type KubeObject, type LabelSelector } from '@weft/reconcile-core';
import { isRecord, parseJsonPointer, removeAtPointer } from './json-pointer.js';
import { managedFieldsOf, removeManagedFields } from './managed-fields.js';

/**
 * Which objects an {@link IgnoreRule} applies to, as Flux's `spec.ignore[].target` and Argo CD's
 * `ignoreDifferences` select them. Every field set must match; an empty target matches all.
 */
export interface TargetSelector {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  /** An anchored regular expression (as kustomize targets), or a plain name. */
  readonly name?: string;
  /** An anchored regular expression, or a plain namespace. */
  readonly namespace?: string;
  /** A label selector string (`app=web,tier!=db`) or a map of equalities. */
  readonly labelSelector?: string | Readonly<Record<string, string>>;
  /** An annotation selector, same syntax as labels. */
  readonly annotationSelector?: string | Readonly<Record<string, string>>;
}

/**
 * Fields to leave out of drift detection and correction.
 *
 * @remarks
 * `paths` are JSON pointers (`/spec/replicas`, `/metadata/annotations/team~1owner`), as Flux's
 * `spec.ignore[].paths` and Argo CD's `jsonPointers`. `managers` ignores every field the named field
 * managers own in the live object (Argo CD's `managedFieldsManagers`), e.g. `['kube-controller-manager']`
 * to leave `spec.replicas` to an HPA. Ignored fields are neither reported as drift nor reverted; on an
 * object that already exists they are also left out of what apply sends, so Weft never takes them back.
 */
export interface IgnoreRule {
  readonly paths?: readonly string[];
  readonly managers?: readonly string[];
  readonly target?: TargetSelector;
}

/**
 * An ignore rule does not parse (bad JSON pointer, label selector or name pattern).
 *
 * @remarks Not retryable: fix the rule. The message names the rule by its index.
 * @example
 * ```ts
 * import { compileIgnoreRules, InvalidIgnoreRuleError } from '@weft/drift';
 *
 * try { compileIgnoreRules([{ paths: ['spec/replicas'] }]); } catch (error) { if (error instanceof InvalidIgnoreRuleError) console.error(error.message); }
 * ```
 */
export class InvalidIgnoreRuleError extends WeftError {
  override name = 'InvalidIgnoreRuleError';
}

/** Ignore rules parsed once, to apply to many objects. */
export interface CompiledIgnoreRules {
  /** Removes (in place) the ignored fields from `object`; `live` says which fields the ignored managers own. */
  strip(object: KubeObject, live: KubeObject | undefined): void;
  /** Whether any rule targets this object. */
  appliesTo(object: KubeObject): boolean;
}

interface CompiledRule {
  readonly matches: (object: KubeObject) => boolean;
  readonly pointers: readonly string[][];
  readonly managers: ReadonlySet<string>;
}

/**
 * Parses ignore rules once.
 *
 * @remarks A rule matches the live object when there is one (labels as they are in the cluster),
 * else the desired object. Rules without a target apply to every object.
 *
 * @throws {@link InvalidIgnoreRuleError} naming the rule (by index) and what does not parse.
 * @example
 * ```ts
 * import { compileIgnoreRules } from '@weft/drift';
 *
 * const compiled = compileIgnoreRules([
 *   { paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaled=true' } },
 *   { managers: ['kube-controller-manager'] },
 * ]);
 * ```
 */
export function compileIgnoreRules(rules: readonly IgnoreRule[] = []): CompiledIgnoreRules {
  const compiled = rules.map((rule, index) => compileRule(rule, index));
  return {
    appliesTo: (object) => compiled.some((rule) => rule.matches(object)),
    strip(object, live) {
      for (const rule of compiled) {
        if (!rule.matches(live ?? object)) continue;
        for (const pointer of rule.pointers) removeAtPointer(object, pointer);
        if (rule.managers.size === 0 || !live) continue;
        for (const entry of managedFieldsOf(live)) {
          if (entry.manager && rule.managers.has(entry.manager) && isRecord(entry.fieldsV1)) removeManagedFields(object, entry.fieldsV1);
        }
      }
    },
  };
}

function compileRule(rule: IgnoreRule, index: number): CompiledRule {
  const where = `ignore rule ${index}`;
  try {
    const pointers = (rule.paths ?? []).map((path) => parseJsonPointer(path));
    return { matches: compileTarget(rule.target ?? {}), pointers, managers: new Set(rule.managers ?? []) };
  } catch (error) {
    throw new InvalidIgnoreRuleError(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A predicate for one {@link TargetSelector}.
 *
 * @remarks `name` and `namespace` are anchored regular expressions; unset fields match anything.
 * @throws `SyntaxError` when a name pattern does not parse; reconcile-core's `LabelSelectorError` when a selector does not.
 * @example
 * ```ts
 * import { compileTarget } from '@weft/drift';
 *
 * const isWeb = compileTarget({ kind: 'Deployment', name: 'web-.*', labelSelector: 'tier=frontend' });
 * ```
 */
export function compileTarget(target: TargetSelector): (object: KubeObject) => boolean {
  const name = target.name === undefined ? undefined : anchored(target.name);
  const namespace = target.namespace === undefined ? undefined : anchored(target.namespace);
  const labels = selectorOf(target.labelSelector);
  const annotationsMatch = selectorOf(target.annotationSelector);
  return (object) => {
    const ref = objectRef(object);
    if (target.group !== undefined && target.group !== ref.group) return false;
    if (target.version !== undefined && target.version !== ref.version) return false;
    if (target.kind !== undefined && target.kind !== ref.kind) return false;
    if (name && !name.test(ref.name)) return false;
    if (namespace && !namespace.test(ref.namespace ?? '')) return false;
    if (labels && !labels.matches(object.metadata.labels)) return false;
    if (annotationsMatch && !annotationsMatch.matches(object.metadata.annotations)) return false;
    return true;
  };
}

/** A selector string, or a map of equalities (`matchLabels`), parsed with the apiserver's grammar. */
function selectorOf(selector: string | Readonly<Record<string, string>> | undefined): LabelSelector | undefined {
  if (selector === undefined) return undefined;
  return parseLabelSelector(typeof selector === 'string' ? selector : { matchLabels: selector });
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}
