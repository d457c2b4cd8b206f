import { ImageAutomationError } from './errors.js';

/**
 * A template Go's `text/template` would read the same way: the subset commit messages and
 * branch names use. Text and `{{ … }}` actions with `{{-`/`-}}` trimming and `{{/* … *\/}}`
 * comments; `range` (over lists and maps, `$k, $v :=` forms, `else`), `if`/`else if`/`else`,
 * `with`; field chains (`.Changed.Objects`, `$change.NewValue`, `$`), string and number
 * literals, and the functions `len`, `index`, `not`, `and`, `or`, `eq`, `ne`, `print`, `printf`
 * (`%s`, `%d`, `%v`, `%q`). Maps are visited in sorted key order, as Go does. Pipes (`|`),
 * `define`/`template`/`block` and assignments outside `range` are not supported.
 */
export interface GoTemplate {
  readonly source: string;
  /** Renders the template over `data`. @throws {@link TemplateError} for a call on a missing function or a bad argument. */
  render(data: unknown): string;
}

/** A template that does not parse, or fails while rendering. Not retryable until the template changes. */
export class TemplateError extends ImageAutomationError {
  override name = 'TemplateError';
  constructor(what: string, message: string) {
    super(what, message, { reason: 'InvalidTemplate' });
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; expr: Expr }
  | { kind: 'if' | 'with'; expr: Expr; then: Node[]; otherwise: Node[] }
  | { kind: 'range'; expr: Expr; key?: string; value?: string; body: Node[]; otherwise: Node[] };

type Expr =
  | { kind: 'field'; base: 'dot' | string; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'call'; name: string; args: Expr[] };

const NO_VALUE = Symbol('no value');

/**
 * Parses a Go text/template (the subset described on {@link GoTemplate}).
 *
 * @throws {@link TemplateError} naming `what` when the template does not parse.
 * @example
 * ```ts
 * import { parseGoTemplate } from '@weft/image-automation';
 * parseGoTemplate('{{ range .Changes }}{{ .NewValue }} {{ end }}', 'messageTemplate').render({ Changes: [{ NewValue: 'v2' }] }); // 'v2 '
 * ```
 */
export function parseGoTemplate(source: string, what = 'template'): GoTemplate {
  const tokens = tokenize(source, what);
  let position = 0;
  const parseList = (terminators: readonly string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (position < tokens.length) {
      const token = tokens[position++]!;
      if (token.kind === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.text;
      const word = /^(\w+)/.exec(action)?.[1] ?? '';
      if (terminators.includes(word) && (word === 'end' || word === 'else')) return { nodes, end: action };
      if (word === 'if' || word === 'with') {
        nodes.push(parseBranch(word, action.slice(word.length)));
        continue;
      }
      if (word === 'range') {
        const header = action.slice(5).trim();
        const declaration = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*(.*)$/s.exec(header);
        const expr = parseExpr(declaration ? declaration[3]! : header, what);
        const body = parseList(['end', 'else']);
        const otherwise = body.end.startsWith('else') ? parseList(['end']).nodes : [];
        const node: Node = { kind: 'range', expr, body: body.nodes, otherwise };
        if (declaration) {
          if (declaration[2]) {
            node.key = declaration[1]!;
            node.value = declaration[2];
          } else node.value = declaration[1]!;
        }
        nodes.push(node);
        continue;
      }
      if (word === 'end' || word === 'else') throw new TemplateError(what, `unexpected {{${action}}}`);
      if (word === 'define' || word === 'template' || word === 'block') throw new TemplateError(what, `{{${word}}} is not supported`);
      nodes.push({ kind: 'print', expr: parseExpr(action, what) });
    }
    if (terminators.length > 0) throw new TemplateError(what, 'unexpected EOF: missing {{end}}');
    return { nodes, end: '' };
  };
  /** An `if`/`with` and its `else`/`else if` chain, up to the one `{{end}}` that closes them all. */
  const parseBranch = (word: 'if' | 'with', condition: string): Node => {
    const expr = parseExpr(condition, what);
    const then = parseList(['end', 'else']);
    let otherwise: Node[] = [];
    if (then.end.startsWith('else')) {
      const rest = then.end.slice(4).trim();
      if (rest.startsWith('if ') || rest.startsWith('with ')) {
        const nested = rest.startsWith('if ') ? 'if' : 'with';
        otherwise = [parseBranch(nested, rest.slice(nested.length))];
      } else otherwise = parseList(['end']).nodes;
    }
    return { kind: word, expr, then: then.nodes, otherwise };
  };
  const root = parseList([]).nodes;
  return {
    source,
    render(data) {
      const out: string[] = [];
      execute(root, data, new Map([['$', data]]), out, what);
      return out.join('');
    },
  };
}

function tokenize(source: string, what: string): ({ kind: 'text'; text: string } | { kind: 'action'; text: string })[] {
  const tokens: ({ kind: 'text'; text: string } | { kind: 'action'; text: string })[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = source.slice(i, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) tokens.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (source.startsWith('- ', start) || source.startsWith('-\t', start) || source.startsWith('-\n', start) || source.startsWith('-\r', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) tokens.push({ kind: 'text', text });
    const close = findClose(source, start);
    if (close < 0) throw new TemplateError(what, 'unclosed action');
    let end = close;
    if (/\s-$/.test(source.slice(start, close))) {
      end = close - 1;
      trimNext = true;
    }
    const action = source.slice(start, end).trim();
    if (!(action.startsWith('/*') && action.endsWith('*/'))) tokens.push({ kind: 'action', text: action });
    i = close + 2;
  }
  return tokens;
}

/** The `}}` closing an action, skipping quoted strings. */
function findClose(source: string, from: number): number {
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === '`') {
      const quote = c;
      for (i++; i < source.length && source[i] !== quote; i++) if (quote === '"' && source[i] === '\\') i++;
      continue;
    }
    if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

function parseExpr(text: string, what: string): Expr {
  const words = splitWords(text.trim(), what);
  if (words.length === 0) throw new TemplateError(what, 'missing value in action');
  const first = words[0]!;
  if (/^[a-z]\w*$/.test(first) && !['true', 'false', 'nil'].includes(first)) return { kind: 'call', name: first, args: words.slice(1).map((w) => parseOperand(w, what)) };
  if (words.length > 1) throw new TemplateError(what, `can't give argument to non-function ${first}`);
  return parseOperand(first, what);
}

function parseOperand(word: string, what: string): Expr {
  if (word.startsWith('(') && word.endsWith(')')) return parseExpr(word.slice(1, -1), what);
  if (word.startsWith('"')) return { kind: 'literal', value: JSON.parse(word) };
  if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(word)) return { kind: 'literal', value: Number(word) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (word === 'nil') return { kind: 'literal', value: undefined };
  if (word === '.') return { kind: 'field', base: 'dot', path: [] };
  if (word.startsWith('.')) return { kind: 'field', base: 'dot', path: word.slice(1).split('.') };
  if (word.startsWith('$')) {
    const [base, ...path] = word.split('.');
    return { kind: 'field', base: base!, path };
  }
  throw new TemplateError(what, `function "${word}" not defined`);
}

function splitWords(text: string, what: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    let j = i;
    if (text[i] === '"' || text[i] === '`') {
      const quote = text[i];
      for (j = i + 1; j < text.length && text[j] !== quote; j++) if (quote === '"' && text[j] === '\\') j++;
      j++;
    } else if (text[i] === '(') {
      let depth = 0;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      j++;
    } else while (j < text.length && !/\s/.test(text[j]!)) j++;
    if (text[i] === '|') throw new TemplateError(what, 'pipes (|) are not supported');
    words.push(text.slice(i, j));
    i = j;
  }
  return words;
}

function execute(nodes: readonly Node[], dot: unknown, vars: Map<string, unknown>, out: string[], what: string): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'print':
        out.push(format(evaluate(node.expr, dot, vars, what)));
        break;
      case 'if': {
        const value = evaluate(node.expr, dot, vars, what);
        execute(truthy(value) ? node.then : node.otherwise, dot, vars, out, what);
        break;
      }
      case 'with': {
        const value = evaluate(node.expr, dot, vars, what);
        if (truthy(value)) execute(node.then, value, vars, out, what);
        else execute(node.otherwise, dot, vars, out, what);
        break;
      }
      case 'range': {
        const entries = iterate(evaluate(node.expr, dot, vars, what));
        if (entries.length === 0) {
          execute(node.otherwise, dot, vars, out, what);
          break;
        }
        for (const [key, value] of entries) {
          const scope = new Map(vars);
          if (node.key) scope.set(node.key, key);
          if (node.value) scope.set(node.value, value);
          execute(node.body, value, scope, out, what);
        }
        break;
      }
    }
  }
}

function evaluate(expr: Expr, dot: unknown, vars: Map<string, unknown>, what: string): unknown {
  if (expr.kind === 'literal') return expr.value;
  if (expr.kind === 'field') {
    let value: unknown = expr.base === 'dot' ? dot : vars.has(expr.base) ? vars.get(expr.base) : missingVariable(expr.base, what);
    for (const name of expr.path) {
      if (value instanceof Map) value = value.has(name) ? value.get(name) : NO_VALUE;
      else if (typeof value === 'object' && value !== null && name in value) value = (value as Record<string, unknown>)[name];
      else if (value === NO_VALUE || value === undefined || value === null) value = NO_VALUE;
      else throw new TemplateError(what, `can't evaluate field ${name} in ${typeof value}`);
    }
    return value;
  }
  const args = expr.args.map((arg) => evaluate(arg, dot, vars, what));
  switch (expr.name) {
    case 'len':
      return iterate(args[0]).length + (typeof args[0] === 'string' ? Buffer.byteLength(args[0]) : 0);
    case 'index': {
      let value = args[0];
      for (const key of args.slice(1)) value = value instanceof Map ? value.get(key) : (value as Record<string, unknown> | undefined)?.[String(key)];
      // Go's index gives the element type's zero value for a missing key (our maps hold strings).
      return value ?? '';
    }
    case 'not':
      return !truthy(args[0]);
    case 'and':
      return args.find((arg) => !truthy(arg)) ?? args[args.length - 1];
    case 'or':
      return args.find((arg) => truthy(arg)) ?? args[args.length - 1];
    case 'eq':
      return args.slice(1).some((arg) => arg === args[0]);
    case 'ne':
      return args[0] !== args[1];
    case 'print':
      return args.map(format).join('');
    case 'printf': {
      let index = 1;
      return String(args[0]).replace(/%([sdvq%])/g, (_, verb: string) => {
        if (verb === '%') return '%';
        const arg = args[index++];
        return verb === 'q' ? JSON.stringify(format(arg)) : format(arg);
      });
    }
  }
  throw new TemplateError(what, `function "${expr.name}" not defined`);
}

function missingVariable(name: string, what: string): never {
  throw new TemplateError(what, `undefined variable "${name}"`);
}

function truthy(value: unknown): boolean {
  if (value === NO_VALUE || value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (typeof value === 'object') return true;
  return true;
}

/** Entries in Go's order: lists by index, maps by sorted key (objects as keys sort field by field). */
function iterate(value: unknown): [unknown, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [index, item]);
  if (value instanceof Map) return [...value.entries()].sort(([a], [b]) => compareKeys(a, b));
  if (typeof value === 'object' && value !== null) return Object.entries(value).sort(([a], [b]) => compareKeys(a, b));
  return [];
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const key of Object.keys(a)) {
      const order = compareKeys((a as Record<string, unknown>)[key] ?? '', (b as Record<string, unknown>)[key] ?? '');
      if (order !== 0) return order;
    }
    return 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function format(value: unknown): string {
  if (value === NO_VALUE || value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'object') {
    const custom = (value as { toString?: () => string }).toString;
    if (custom && custom !== Object.prototype.toString && !Array.isArray(value)) return custom.call(value);
    if (Array.isArray(value)) return `[${value.map(format).join(' ')}]`;
    return `map[${iterate(value).map(([k, v]) => `${format(k)}:${format(v)}`).join(' ')}]`;
  }
  return String(value);
}
