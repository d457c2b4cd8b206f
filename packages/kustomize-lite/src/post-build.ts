import { parse, stringify } from 'yaml';
import { BuildAbortedError, SubstitutionError } from './errors.js';
import { envsubst } from './envsubst.js';
import type { JsonObject } from '@weft/merge';
import { isJsonMap, type JsonMap } from './json.js';

/** A ConfigMap or Secret whose data feeds post-build variables (Flux's `substituteFrom`). */
export interface SubstituteReference {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  /** A missing object is tolerated (its variables are simply absent). */
  readonly optional?: boolean;
}

/** Flux's `spec.postBuild` for a kustomization. */
export interface PostBuildOptions {
  /** Inline variables; they win over `substituteFrom`. */
  readonly substitute?: Readonly<Record<string, string>>;
  /** ConfigMaps and Secrets whose data keys are variables, in order (later ones win). */
  readonly substituteFrom?: readonly SubstituteReference[];
  /** Fetches a `substituteFrom` object (from a cluster, a cache…); `undefined` when it does not exist. */
  readonly getObject?: (reference: SubstituteReference, options: { signal?: AbortSignal }) => Promise<JsonObject | undefined>;
  /** An unset variable without a default fails the build instead of expanding to empty. */
  readonly strict?: boolean;
  readonly signal?: AbortSignal;
}

const variableName = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const substituteKey = 'kustomize.toolkit.fluxcd.io/substitute';

function describeObject(object: JsonObject): string {
  const metadata = isJsonMap(object['metadata']) ? object['metadata'] : {};
  const namespace = typeof metadata['namespace'] === 'string' ? `${metadata['namespace']}/` : '';
  return `${String(object['kind'])}/${namespace}${String(metadata['name'])}`;
}

/**
 * Collects the post-build variables: `substituteFrom` objects in order, then inline `substitute`.
 *
 * @remarks Secret values are base64-decoded; newlines are removed from every value, as Flux does.
 * @throws {@link SubstitutionError} for a missing non-optional object or an invalid variable name.
 * @example
 * ```ts
 * import { collectVariables } from '@weft/kustomize-lite';
 *
 * const vars = await collectVariables({ substitute: { CLUSTER: 'prod' } });
 * ```
 */
export async function collectVariables(options: PostBuildOptions): Promise<Map<string, string>> {
  const variables = new Map<string, string>();
  for (const reference of options.substituteFrom ?? []) {
    if (options.signal?.aborted) throw new BuildAbortedError('post-build substitution aborted', { cause: options.signal.reason });
    const object = options.getObject === undefined ? undefined : await options.getObject(reference, options.signal === undefined ? {} : { signal: options.signal });
    if (object === undefined) {
      if (reference.optional === true) continue;
      throw new SubstitutionError(`substitute from '${reference.kind}/${reference.name}' error: ${reference.kind.toLowerCase()} '${reference.name}' not found`, { object: `${reference.kind}/${reference.name}` });
    }
    const data = isJsonMap(object['data']) ? object['data'] : {};
    for (const [key, value] of Object.entries(data)) {
      const text = value === null ? '' : String(value);
      const decoded = reference.kind === 'Secret' ? Buffer.from(text, 'base64').toString('utf8') : text;
      variables.set(key, decoded.replace(/\n/g, ''));
    }
  }
  for (const [key, value] of Object.entries(options.substitute ?? {})) variables.set(key, value.replace(/\n/g, ''));
  for (const name of variables.keys()) {
    if (!variableName.test(name)) throw new SubstitutionError(`'${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`);
  }
  return variables;
}

/**
 * Flux's post-build variable substitution over built objects.
 *
 * @remarks
 * Each object is rendered to YAML, substituted as text and parsed back; objects labelled or
 * annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone; nothing happens
 * when there are no variables. The input objects are not modified.
 *
 * @throws {@link SubstitutionError} naming the object (strict mode and an unset variable, bad
 * syntax, a result that is no longer a YAML object), {@link BuildAbortedError} when aborted.
 *
 * @example
 * ```ts
 * import { build, substituteVariables } from '@weft/kustomize-lite';
 *
 * const objects = await substituteVariables(await build('apps/prod'), { substitute: { REPLICAS: '3' }, strict: true });
 * ```
 */
export async function substituteVariables(objects: readonly JsonObject[], options: PostBuildOptions): Promise<JsonMap[]> {
  const variables = await collectVariables(options);
  // Built objects (JSON values) typed as loosely as `@weft/merge`'s JsonObject are taken too; their copies are JSON values again.
  if (variables.size === 0) return objects.map((object) => structuredClone(object) as JsonMap);
  return objects.map((object) => {
    if (options.signal?.aborted) throw new BuildAbortedError('post-build substitution aborted', { cause: options.signal.reason });
    const metadata = isJsonMap(object['metadata']) ? object['metadata'] : {};
    const labels = isJsonMap(metadata['labels']) ? metadata['labels'] : {};
    const annotations = isJsonMap(metadata['annotations']) ? metadata['annotations'] : {};
    if (labels[substituteKey] === 'disabled' || annotations[substituteKey] === 'disabled') return structuredClone(object) as JsonMap;
    let text: string;
    try {
      text = envsubst(stringify(object, { lineWidth: 0 }), (name) => variables.get(name), { strict: options.strict === true });
    } catch (error) {
      throw new SubstitutionError(`${describeObject(object)}: post-build substitution failed: ${(error as Error).message}`, { object: describeObject(object), cause: error });
    }
    let result: unknown;
    try {
      result = parse(text);
    } catch (error) {
      throw new SubstitutionError(`${describeObject(object)}: the substituted YAML does not parse: ${(error as Error).message.split('\n')[0]}`, { object: describeObject(object), cause: error });
    }
    if (!isJsonMap(result)) throw new SubstitutionError(`${describeObject(object)}: substitution did not produce an object`, { object: describeObject(object) });
    keepStringMaps(object, result, (value) => envsubst(value, (name) => variables.get(name), { strict: options.strict === true }));
    return result;
  });
}

/**
 * The values of string-only maps (`data` and `stringData` of ConfigMaps and Secrets, labels and
 * annotations) stay strings after substitution: `replicas: "${replicas}"` gives `"3"`, not `3`.
 * Flux keeps the source's quoting (kyaml retains scalar styles); the built objects here no longer
 * know it, so these maps, whose values can only be strings, are substituted value by value.
 */
function keepStringMaps(original: JsonObject, result: JsonMap, substitute: (value: string) => string): void {
  const restore = (before: unknown, after: unknown): void => {
    if (!isJsonMap(before) || !isJsonMap(after)) return;
    for (const [key, value] of Object.entries(before)) {
      if (typeof value === 'string' && key in after && typeof after[key] !== 'string') after[key] = substitute(value);
    }
  };
  const kind = original['kind'];
  if (kind === 'ConfigMap' || kind === 'Secret') {
    restore(original['data'], result['data']);
    restore(original['stringData'], result['stringData']);
  }
  const before = isJsonMap(original['metadata']) ? original['metadata'] : {};
  const after = isJsonMap(result['metadata']) ? result['metadata'] : {};
  restore(before['labels'], after['labels']);
  restore(before['annotations'], after['annotations']);
}
