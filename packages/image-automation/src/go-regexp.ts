import { RE2JS } from 're2js';

/**
 * A regular expression with Go's `regexp` semantics: RE2 syntax (`(?P<name>…)` and `(?<name>…)`
 * groups, `(?i)`, `(?U)`, `\pL`, `[[:alpha:]]`, `\Q…\E`), leftmost-first matching, and Go's
 * `Regexp.ExpandString` for `$1`, `$name`, `${name}` templates.
 *
 * @remarks
 * Matching runs on re2js, a port of the RE2 engine, so a pattern Go rejects (backreferences,
 * lookaround, `{1001}`) is rejected here with Go's own message, and matching is linear in the
 * input. Indices are UTF-16 offsets (JavaScript string indices), not Go's byte offsets.
 */
export interface GoRegexp {
  /** The pattern as given. */
  readonly source: string;
  /** The name of each group (index 0 is the whole match, `''` for unnamed groups), as Go's `SubexpNames`. */
  readonly names: readonly string[];
  /** Whether the pattern matches anywhere in `input` (Go's `MatchString`). */
  test(input: string): boolean;
  /** Start and end of the match and of each group (-1 for a group that did not take part), or `null` (Go's `FindStringSubmatchIndex`). */
  match(input: string): number[] | null;
  /** Go's `ExpandString`: `template` with `$n`, `$name`, `${name}` and `$$` replaced from `match`. */
  expand(template: string, input: string, match: readonly number[]): string;
}

/** Go's `regexp.Compile` rejected the pattern; the message is Go's. */
export class GoRegexpSyntaxError extends Error {
  override name = 'GoRegexpSyntaxError';
  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Compiles a pattern with Go's `regexp` syntax and semantics.
 *
 * @throws {@link GoRegexpSyntaxError} with Go's message (`error parsing regexp: …`) when Go would reject it.
 * @example
 * ```ts
 * import { compileGoRegexp } from '@weft/image-automation';
 * const re = compileGoRegexp('^main-(?P<sha>[a-f0-9]+)-(?P<ts>[0-9]+)$');
 * const tag = 'main-3f2a91c-1700000000';
 * re.expand('$ts', tag, re.match(tag)!); // '1700000000'
 * ```
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  const { rewritten, names } = scanGroups(pattern);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(rewritten);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new GoRegexpSyntaxError(pattern, rewritten === pattern ? message : message.replaceAll(rewritten, pattern));
  }
  const engine = compiled.re2();
  return {
    source: pattern,
    names,
    test: (input) => compiled.test(input),
    match: (input) => (engine.findSubmatchIndex(input) as number[] | null) ?? null,
    expand: (template, input, match) => expandTemplate(names, template, input, match),
  };
}

/**
 * Finds every capture group's name, and renames the second and later groups sharing a name
 * (Go allows that; re2js does not), so the engine accepts what Go accepts while `names` keeps
 * Go's view.
 */
function scanGroups(pattern: string): { rewritten: string; names: string[] } {
  const names = [''];
  const seen = new Set<string>();
  let rewritten = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        rewritten += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      rewritten += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '[') {
      const stop = classEnd(pattern, i);
      rewritten += pattern.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '(') {
      const named = /^\(\?P?<([^>]*)>/.exec(pattern.slice(i));
      if (named) {
        const name = named[1]!;
        names.push(name);
        if (seen.has(name) && /^\w+$/.test(name)) {
          rewritten += named[0].replace(`<${name}>`, `<weft_duplicate_${names.length - 1}_${name}>`);
        } else rewritten += named[0];
        seen.add(name);
        i += named[0].length;
        continue;
      }
      if (pattern[i + 1] !== '?') names.push('');
    }
    rewritten += c;
    i++;
  }
  return { rewritten, names };
}

/** The index just past a character class starting at `start` (`[`), or the pattern's end. */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') i += 2;
    else if (c === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      i = close < 0 ? i + 1 : close + 2;
    } else if (c === ']') return i + 1;
    else i++;
  }
  return pattern.length;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's `Regexp.expand`, over UTF-16 indices. */
function expandTemplate(names: readonly string[], template: string, input: string, match: readonly number[]): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const reference = extractReference(rest);
    if (reference === undefined) {
      out += '$';
      continue;
    }
    rest = reference.rest;
    if (reference.number >= 0) {
      const start = match[2 * reference.number];
      if (start !== undefined && start >= 0) out += input.slice(start, match[2 * reference.number + 1]);
      continue;
    }
    for (let group = 0; group < names.length; group++) {
      const start = match[2 * group];
      if (names[group] === reference.name && start !== undefined && start >= 0) {
        out += input.slice(start, match[2 * group + 1]);
        break;
      }
    }
  }
  return out + rest;
}

/** Go's `extract`: a leading `name` or `{name}` (letters, digits, `_`), and whether it is a group number. */
function extractReference(text: string): { name: string; number: number; rest: string } | undefined {
  let body = text;
  const brace = body.startsWith('{');
  if (brace) body = body.slice(1);
  let length = 0;
  for (const char of body) {
    if (!NAME_CHAR.test(char)) break;
    length += char.length;
  }
  if (length === 0) return undefined;
  const name = body.slice(0, length);
  let end = length;
  if (brace) {
    if (body[end] !== '}') return undefined;
    end++;
  }
  let number = 0;
  for (const char of name) {
    if (char < '0' || char > '9' || number >= 1e8) {
      number = -1;
      break;
    }
    number = number * 10 + (char.charCodeAt(0) - 48);
  }
  if (name.startsWith('0') && name.length > 1) number = -1;
  return { name, number, rest: body.slice(end) };
}
