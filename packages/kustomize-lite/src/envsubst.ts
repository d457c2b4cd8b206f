import { SubstitutionError } from './errors.js';

/** Looks a variable up: its value, or undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Options of {@link envsubst}. */
export interface EnvsubstOptions {
  /** A variable without a default that is not set is an error (Flux's `strict` substitution). */
  readonly strict?: boolean;
}

function globToRegExp(pattern: string): string {
  let out = '';
  for (const char of pattern) {
    if (char === '*') out += '[\\s\\S]*';
    else if (char === '?') out += '[\\s\\S]';
    else out += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function removePrefix(value: string, pattern: string, longest: boolean): string {
  for (let length = longest ? value.length : 0; longest ? length >= 0 : length <= value.length; length += longest ? -1 : 1) {
    if (new RegExp(`^${globToRegExp(pattern)}$`).test(value.slice(0, length))) return value.slice(length);
  }
  return value;
}

function removeSuffix(value: string, pattern: string, longest: boolean): string {
  for (let start = longest ? 0 : value.length; longest ? start <= value.length : start >= 0; start += longest ? 1 : -1) {
    if (new RegExp(`^${globToRegExp(pattern)}$`).test(value.slice(start))) return value.slice(0, start);
  }
  return value;
}

/** Finds the `}` closing an expression that starts at `start`, honouring nested `${…}`. */
function closingBrace(input: string, start: number): number {
  let depth = 0;
  for (let index = start; index < input.length; index++) {
    if (input[index] === '$' && input[index + 1] === '{') {
      depth++;
      index++;
    } else if (input[index] === '}') {
      if (depth === 0) return index;
      depth--;
    }
  }
  return -1;
}

/** Splits `a/b` on the first unescaped `/`, unescaping `\/`. */
function splitReplacement(text: string): [string, string] {
  let pattern = '';
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\' && text[index + 1] === '/') {
      pattern += '/';
      index++;
    } else if (text[index] === '/') return [pattern, text.slice(index + 1)];
    else pattern += text[index];
  }
  return [pattern, ''];
}

function evaluate(expression: string, lookup: VariableLookup, options: EnvsubstOptions): string {
  const missing = (name: string): never => {
    throw new SubstitutionError(`variable not set (strict mode): ${name}`);
  };
  if (expression.startsWith('#')) {
    const name = expression.slice(1);
    const value = lookup(name);
    if (value === undefined && options.strict === true) missing(name);
    return String([...(value ?? '')].length);
  }
  const match = expression.match(/^([A-Za-z0-9_]+)([\s\S]*)$/);
  if (match === null) throw new SubstitutionError(`bad substitution: \${${expression}}`);
  const name = match[1] as string;
  const rest = match[2] as string;
  const value = lookup(name);
  const defaultMatch = rest.match(/^(:=|:-|=|-|:\?|\?)([\s\S]*)$/);
  if (defaultMatch !== null) {
    const fallback = substitute(defaultMatch[2] as string, lookup, options);
    return value === undefined || value === '' ? fallback : value;
  }
  if (value === undefined && options.strict === true) missing(name);
  const text = value ?? '';
  if (rest === '') return text;
  if (rest === '^') return text.charAt(0).toUpperCase() + text.slice(1);
  if (rest === '^^') return text.toUpperCase();
  if (rest === ',') return text.charAt(0).toLowerCase() + text.slice(1);
  if (rest === ',,') return text.toLowerCase();
  const substring = rest.match(/^:(-?\d+)(?::(-?\d+))?$/);
  if (substring !== null) {
    const characters = [...text];
    let offset = Number(substring[1]);
    if (offset < 0) offset = Math.max(0, characters.length + offset);
    const end = substring[2] === undefined ? characters.length : offset + Number(substring[2]);
    return characters.slice(offset, end).join('');
  }
  if (rest.startsWith('/')) {
    let body = rest.slice(1);
    let mode: 'first' | 'all' | 'prefix' | 'suffix' = 'first';
    if (body.startsWith('/')) {
      mode = 'all';
      body = body.slice(1);
    } else if (body.startsWith('#')) {
      mode = 'prefix';
      body = body.slice(1);
    } else if (body.startsWith('%')) {
      mode = 'suffix';
      body = body.slice(1);
    }
    const [pattern, replacement] = splitReplacement(body);
    if (pattern === '') return text;
    switch (mode) {
      case 'all':
        return text.split(pattern).join(replacement);
      case 'prefix':
        return text.startsWith(pattern) ? replacement + text.slice(pattern.length) : text;
      case 'suffix':
        return text.endsWith(pattern) ? text.slice(0, text.length - pattern.length) + replacement : text;
      default: {
        const at = text.indexOf(pattern);
        return at < 0 ? text : text.slice(0, at) + replacement + text.slice(at + pattern.length);
      }
    }
  }
  if (rest.startsWith('##')) return removePrefix(text, rest.slice(2), true);
  if (rest.startsWith('#')) return removePrefix(text, rest.slice(1), false);
  if (rest.startsWith('%%')) return removeSuffix(text, rest.slice(2), true);
  if (rest.startsWith('%')) return removeSuffix(text, rest.slice(1), false);
  throw new SubstitutionError(`bad substitution: \${${expression}}`);
}

function substitute(input: string, lookup: VariableLookup, options: EnvsubstOptions): string {
  let output = '';
  for (let index = 0; index < input.length; index++) {
    const char = input[index];
    if (char === '$' && input[index + 1] === '$' && input[index + 2] === '{') {
      output += '${';
      index += 2;
      continue;
    }
    if (char === '$' && input[index + 1] === '{') {
      const close = closingBrace(input, index + 2);
      if (close < 0) throw new SubstitutionError(`missing closing brace in '${input.slice(index, index + 40)}'`);
      output += evaluate(input.slice(index + 2, close), lookup, options);
      index = close;
      continue;
    }
    output += char;
  }
  return output;
}

/**
 * Expands `${VAR}` expressions as Flux's post-build substitution does (fluxcd/pkg envsubst).
 *
 * @remarks
 * Supports defaults (`${v=x}`, `${v:=x}`, `${v:-x}`, applied when unset or empty, nestable),
 * length `${#v}`, case `${v^}` `${v^^}` `${v,}` `${v,,}`, substrings `${v:off}` `${v:off:len}`,
 * replacement `${v/a/b}` `${v//a/b}` `${v/#a/b}` `${v/%a/b}`, glob prefix/suffix removal
 * `${v#p}` `${v##p}` `${v%p}` `${v%%p}`, and `$${…}` as an escape for a literal `${`. A bare
 * `$VAR` is left alone, as in Flux. Without `strict`, an unset variable expands to empty.
 *
 * @throws {@link SubstitutionError} in strict mode for an unset variable without a default, and
 * for malformed expressions.
 *
 * @example
 * ```ts
 * import { envsubst } from '@weft/kustomize-lite';
 *
 * envsubst('replicas: ${REPLICAS:=2}', (name) => ({ REPLICAS: '3' })[name]); // 'replicas: 3'
 * ```
 */
export function envsubst(input: string, lookup: VariableLookup, options: EnvsubstOptions = {}): string {
  return substitute(input, lookup, options);
}
