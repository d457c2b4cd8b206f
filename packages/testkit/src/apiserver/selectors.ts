import { badRequest } from './status-error.js';
import type { ResourceDefinition } from './resources.js';
import type { StoredObject } from './stored-object.js';

/** A compiled selector: whether an object matches. */
export type ObjectPredicate = (object: StoredObject) => boolean;

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: 'gt' | 'lt'; value: number };

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

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

function parseLabelSelector(selector: string): Requirement[] {
  const tokens = tokenize(selector);
  const requirements: Requirement[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why}`);
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
      requirements.push({ key: key(tokens[at + 1]), op: '!' });
      at += 2;
    } else {
      const name = key(tokens[at]);
      const op = tokens[at + 1];
      if (op === undefined || op === ',') {
        requirements.push({ key: name, op: 'exists' });
        at += 1;
      } else if (op === '=' || op === '==' || op === '!=') {
        const next = tokens[at + 2];
        const isEmpty = next === undefined || next === ',';
        requirements.push({ key: name, op: op === '!=' ? 'notin' : 'in', values: [isEmpty ? '' : value(next)] });
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
        requirements.push({ key: name, op, values });
      } else if (op === '<' || op === '>') {
        const number = Number(tokens[at + 2]);
        if (!Number.isInteger(number)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        requirements.push({ key: name, op: op === '>' ? 'gt' : 'lt', value: number });
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

function matchesLabels(requirements: Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((requirement) => {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const actual = labels[requirement.key];
    switch (requirement.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && requirement.values.includes(actual!);
      case 'notin':
        return !has || !requirement.values.includes(actual!);
      case 'gt':
        return has && Number(actual) > requirement.value;
      case 'lt':
        return has && Number(actual) < requirement.value;
    }
  });
}

/**
 * Compiles a `labelSelector` query (`tier=front,env in (a,b),!legacy`).
 *
 * @throws {@link StatusError} 400 BadRequest when it does not parse, as the apiserver answers.
 */
export function compileLabelSelector(selector: string | undefined): ObjectPredicate {
  if (!selector || selector.trim() === '') return () => true;
  const requirements = parseLabelSelector(selector);
  return (object) => matchesLabels(requirements, object.metadata.labels ?? {});
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
