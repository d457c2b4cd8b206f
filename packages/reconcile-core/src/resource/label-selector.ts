import { WeftError } from '../errors.js';

/** One requirement of a label selector, as `labels.Requirement` holds it. */
export type LabelRequirement =
  | { readonly key: string; readonly operator: 'In' | 'NotIn'; readonly values: readonly string[] }
  | { readonly key: string; readonly operator: 'Exists' | 'DoesNotExist' }
  | { readonly key: string; readonly operator: 'Gt' | 'Lt'; readonly value: number };

/** A parsed label selector: its requirements (all must hold) and a matcher. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** Whether a label set satisfies every requirement (an empty selector matches everything). */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/** `metav1.LabelSelector`: equalities plus expressions, as objects write selectors. */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }[] | undefined;
}

/**
 * A label selector that does not parse, or names an invalid key or value. The message is the
 * apiserver's (`unable to parse requirement: …`).
 *
 * @remarks Not retryable: fix the selector.
 * @example
 * ```ts
 * import { LabelSelectorError, parseLabelSelector } from '@weft/reconcile-core';
 * try { parseLabelSelector('app in web'); } catch (error) { if (error instanceof LabelSelectorError) console.error(error.selector, error.message); }
 * ```
 */
export class LabelSelectorError extends WeftError {
  override name = 'LabelSelectorError';
  constructor(
    /** The selector as it was given. */
    readonly selector: string,
    /** What is wrong, without the apiserver's prefix. */
    readonly reason: string,
  ) {
    super(`unable to parse requirement: ${reason}`);
  }
}

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Parses a label selector, with the apiserver's grammar and validation (`labels.Parse`): a
 * string (`app=web,tier!=db,env in (prod,staging),!legacy,release,replicas>2`), or a
 * `metav1.LabelSelector` object (`matchLabels` and `matchExpressions`).
 *
 * @remarks
 * Guarantees: `=` and `==` mean `In` one value, `!=` `NotIn`; a key alone `Exists`, `!key`
 * `DoesNotExist`; `>`/`<` compare integers. Keys and values are checked as Kubernetes checks
 * them (a qualified name; 63 characters, alphanumeric at both ends). `NotIn` and `DoesNotExist`
 * match objects without the label, as in Kubernetes. The empty selector matches everything.
 * @throws {@link LabelSelectorError} with the apiserver's message.
 * @example
 * ```ts
 * import { parseLabelSelector } from '@weft/reconcile-core';
 * const selector = parseLabelSelector('app=web,env in (prod,staging)');
 * selector.matches({ app: 'web', env: 'prod' }); // true
 * ```
 */
export function parseLabelSelector(selector: string | LabelSelectorObject): LabelSelector {
  const requirements = typeof selector === 'string' ? parseRequirements(selector) : fromObject(selector);
  return { requirements, matches: (labels) => requirements.every((requirement) => satisfies(requirement, labels ?? {})) };
}

function satisfies(requirement: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const actual = labels[requirement.key];
  switch (requirement.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && requirement.values.includes(actual!);
    case 'NotIn':
      return !has || !requirement.values.includes(actual!);
    case 'Gt':
      return has && /^-?\d+$/.test(actual!) && Number(actual) > requirement.value;
    case 'Lt':
      return has && /^-?\d+$/.test(actual!) && Number(actual) < requirement.value;
  }
}

function fromObject(selector: LabelSelectorObject): LabelRequirement[] {
  const text = JSON.stringify(selector);
  const key = (name: string) => {
    if (!labelKey.test(name)) throw new LabelSelectorError(text, `invalid label key "${name}"`);
    return name;
  };
  const value = (name: string) => {
    if (!labelValue.test(name)) throw new LabelSelectorError(text, `invalid label value: "${name}"`);
    return name;
  };
  const requirements: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([name, wanted]) => ({ key: key(name), operator: 'In', values: [value(wanted)] }));
  for (const expression of selector.matchExpressions ?? []) {
    const values = expression.values ?? [];
    if (expression.operator === 'In' || expression.operator === 'NotIn') {
      if (values.length === 0) throw new LabelSelectorError(text, `for 'in', 'notin' operators, values set can't be empty`);
      requirements.push({ key: key(expression.key), operator: expression.operator, values: values.map(value) });
    } else if (expression.operator === 'Exists' || expression.operator === 'DoesNotExist') {
      if (values.length > 0) throw new LabelSelectorError(text, `values set must be empty for exists and does not exist`);
      requirements.push({ key: key(expression.key), operator: expression.operator });
    } else {
      throw new LabelSelectorError(text, `${JSON.stringify(expression.operator)} is not a valid label selector operator`);
    }
  }
  return requirements;
}

function tokenize(selector: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < selector.length) {
    const char = selector[index]!;
    if (char === ' ' || char === '\t') {
      index += 1;
    } else if ('(),'.includes(char)) {
      tokens.push(char);
      index += 1;
    } else if (selector.startsWith('==', index) || selector.startsWith('!=', index)) {
      tokens.push(selector.slice(index, index + 2));
      index += 2;
    } else if ('=!<>'.includes(char)) {
      tokens.push(char);
      index += 1;
    } else {
      let end = index;
      while (end < selector.length && !' \t(),=!<>'.includes(selector[end]!)) end += 1;
      tokens.push(selector.slice(index, end));
      index = end;
    }
  }
  return tokens;
}

function parseRequirements(selector: string): LabelRequirement[] {
  const tokens = tokenize(selector);
  const requirements: LabelRequirement[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new LabelSelectorError(selector, why);
  };
  const key = (token: string | undefined): string => {
    if (token === undefined || !labelKey.test(token)) fail(`invalid label key "${token ?? ''}"`);
    return token!;
  };
  const value = (token: string | undefined): string => {
    const text = token ?? '';
    if (!labelValue.test(text) || ['(', ')', ','].includes(text)) fail(`invalid label value: "${text}"`);
    return text;
  };
  while (at < tokens.length) {
    if (tokens[at] === '!') {
      requirements.push({ key: key(tokens[at + 1]), operator: 'DoesNotExist' });
      at += 2;
    } else {
      const name = key(tokens[at]);
      const op = tokens[at + 1];
      if (op === undefined || op === ',') {
        requirements.push({ key: name, operator: 'Exists' });
        at += 1;
      } else if (op === '=' || op === '==' || op === '!=') {
        const next = tokens[at + 2];
        const isEmpty = next === undefined || next === ',';
        requirements.push({ key: name, operator: op === '!=' ? 'NotIn' : 'In', values: [isEmpty ? '' : value(next)] });
        at += isEmpty ? 2 : 3;
      } else if (op === 'in' || op === 'notin') {
        if (tokens[at + 2] !== '(') fail(`found '${tokens[at + 2] ?? ''}', expected: '('`);
        const values: string[] = [];
        at += 3;
        while (tokens[at] !== ')') {
          if (at >= tokens.length) fail(`found '', expected: ')'`);
          if (tokens[at] !== ',') values.push(value(tokens[at]));
          at += 1;
        }
        at += 1;
        requirements.push({ key: name, operator: op === 'in' ? 'In' : 'NotIn', values });
      } else if (op === '<' || op === '>') {
        const number = Number(tokens[at + 2]);
        if (!Number.isInteger(number)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        requirements.push({ key: name, operator: op === '>' ? 'Gt' : 'Lt', value: number });
        at += 3;
      } else {
        fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (at < tokens.length) {
      if (tokens[at] !== ',') fail(`found '${tokens[at]}', expected: ','`);
      at += 1;
    }
  }
  return requirements;
}
