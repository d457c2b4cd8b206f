/**
 * Reads the fixture trees out of kustomize's own `api/krusty/*_test.go` files, at test time (the Go
 * source is read from the Go module cache, never committed). Only the harness's straight-line
 * shape is understood: `th.WriteK/WriteF/WriteC(path, text)` with string literals, their `+`
 * concatenations, package-level or local string constants, `filepath.Join`, files of krusty's
 * `testdata/`, and same-package helper functions called with such arguments; then
 * `th.Run(dir, opts)` / `th.RunWithErr(dir, opts)`. Anything else makes the test a skipped one,
 * with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One build taken from a krusty test: the files it wrote (paths below `/`) and how it built. */
export interface KrustyCase {
  /** `TestName`, or `TestName__runN` when the test builds more than once. */
  readonly name: string;
  /** The Go test function it comes from. */
  readonly test: string;
  readonly file: string;
  readonly files: Readonly<Record<string, string>>;
  /** The directory built, below `/`. */
  readonly buildDir: string;
  readonly reorder: 'none' | 'legacy';
  readonly loadRestrictor: 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';
  /** The krusty test expects this build to fail (`th.RunWithErr`). */
  readonly expectsError: boolean;
}

/** A test the reader could not turn into builds, and why. */
export interface KrustySkip {
  readonly name: string;
  readonly file: string;
  readonly reason: string;
}

type Token =
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string; readonly value: string }
  | { readonly kind: 'other'; readonly text: string };

/** Go tokens, comments dropped; strings carry their value (raw and interpreted). */
export function tokenizeGo(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
    } else if (source.startsWith('/*', i)) {
      i = source.indexOf('*/', i + 2) + 2;
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      // Go drops carriage returns from raw strings.
      tokens.push({ kind: 'string', text: source.slice(i, end + 1), value: source.slice(i + 1, end).replaceAll('\r', '') });
      i = end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      const text = source.slice(i, j + 1);
      tokens.push(c === '"' ? { kind: 'string', text, value: unquoteGo(text.slice(1, -1)) } : { kind: 'other', text });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_0-9]+/.exec(source.slice(i, i + 200)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: match[0] });
      i += match[0].length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9a-fA-FxX._]+/.exec(source.slice(i, i + 50)) as RegExpExecArray;
      tokens.push({ kind: 'other', text: match[0] });
      i += match[0].length;
    } else {
      const two = source.slice(i, i + 2);
      const op = [':=', '==', '!=', '&&', '||', '<=', '>=', '++', '--', '+=', '...'].find((candidate) => source.startsWith(candidate, i)) ?? c;
      tokens.push({ kind: 'other', text: op === '..' ? two : op });
      i += op.length;
    }
  }
  return tokens;
}

function unquoteGo(body: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, escape: string) => {
    if (simple[escape] !== undefined) return simple[escape];
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    return String.fromCodePoint(parseInt(escape, 8));
  });
}

/** Why a test cannot be read; thrown while reading one and turned into a skip. */
class Unreadable extends Error {}

interface FunctionDecl {
  readonly name: string;
  readonly params: readonly string[];
  /** Token range of the body, between its braces. */
  readonly body: readonly Token[];
}

interface PackageSource {
  readonly constants: Map<string, string | Unreadable>;
  readonly functions: Map<string, FunctionDecl>;
  readonly testdataDir: string;
  /** What `th.WriteLegacyConfigs` writes: kustomize's default field specs, from the same module. */
  readonly legacyConfigs?: () => string;
}

/** Index of the token closing the bracket opened at `open`. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = (tokens[i] as Token).text;
    if (text === '(' || text === '{' || text === '[') depth++;
    else if (text === ')' || text === '}' || text === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced brackets in Go source');
}

/** Splits the tokens between brackets at top-level commas. */
function splitArguments(tokens: readonly Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(' || token.text === '{' || token.text === '[') depth++;
    if (token.text === ')' || token.text === '}' || token.text === ']') depth--;
    if (token.text === ',' && depth === 0) parts.push([]);
    else (parts[parts.length - 1] as Token[]).push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** A row of a test table: its fields' expressions, evaluated in the scope the table was written in. */
interface TableRow {
  readonly kind: 'row';
  readonly key: string | undefined;
  readonly fields: ReadonlyMap<string, readonly Token[]>;
  readonly scope: Scope;
}

/** A list literal (a test table, or a row's `[]FileGen{…}`), its elements unevaluated. */
interface ListValue {
  readonly kind: 'list';
  readonly elements: ReadonlyArray<TableRow | ElementValue | string>;
}

/** One element of a list that is not a struct: a helper's name or a call returning a closure. */
interface ElementValue {
  readonly kind: 'element';
  readonly tokens: readonly Token[];
  readonly scope: Scope;
}

type Value = string | Unreadable | TableRow | ListValue | ElementValue;
type Scope = Map<string, Value>;

/** Reads a list literal's elements: `[]T{a, b}`, `[]struct{…}{{…}, {…}}`, `map[string]struct{…}{"k": {…}}`. */
function readList(tokens: readonly Token[], scope: Scope): ListValue | undefined {
  // the literal's braces are the last top-level `{…}`: skip the type (which may hold `struct{…}`)
  if (tokens[tokens.length - 1]?.text !== '}') return undefined;
  let open = tokens.length - 1;
  let depth = 0;
  for (; open >= 0; open--) {
    const text = (tokens[open] as Token).text;
    if (text === '}' || text === ')' || text === ']') depth++;
    if (text === '{' || text === '(' || text === '[') depth--;
    if (depth === 0) break;
  }
  const type = tokens.slice(0, open).map((t) => t.text).join('');
  if (!/^(\[\]|map\[string\])/.test(type)) return undefined;
  const elements = splitArguments(tokens.slice(open + 1, -1)).map((element): TableRow | ElementValue => {
    let key: string | undefined;
    let rest = element;
    if (type.startsWith('map[') && element[0]?.kind === 'string' && element[1]?.text === ':') {
      key = element[0].value;
      rest = element.slice(2);
    }
    if (rest[0]?.text !== '{') return { kind: 'element', tokens: rest, scope };
    const fields = new Map<string, readonly Token[]>();
    for (const field of splitArguments(rest.slice(1, -1))) {
      if (field[0]?.kind !== 'ident' || field[1]?.text !== ':') return { kind: 'element', tokens: rest, scope };
      fields.set(field[0].text, field.slice(2));
    }
    return { kind: 'row', key, fields, scope };
  });
  return { kind: 'list', elements };
}

/** Evaluates a string-valued expression: literals, `+`, names, `filepath.Join`, `string(x)`. */
function evaluate(tokens: readonly Token[], scope: Scope, pkg: PackageSource): string {
  const operands: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(' || token.text === '{' || token.text === '[') depth++;
    if (token.text === ')' || token.text === '}' || token.text === ']') depth--;
    if (token.text === '+' && depth === 0) operands.push([]);
    else (operands[operands.length - 1] as Token[]).push(token);
  }
  return operands.map((operand) => evaluateOperand(operand, scope, pkg)).join('');
}

function evaluateOperand(tokens: readonly Token[], scope: Scope, pkg: PackageSource): string {
  const [first] = tokens;
  if (tokens.length === 1 && first?.kind === 'string') return first.value;
  if (tokens.length === 1 && first?.kind === 'ident') {
    const value = scope.get(first.text) ?? pkg.constants.get(first.text);
    if (value instanceof Unreadable) throw value;
    if (typeof value !== 'string') throw new Unreadable(`a value that is not a string constant (${first.text})`);
    return value;
  }
  // a field of a table row: a field left out is Go's zero value
  const row = first?.kind === 'ident' && tokens.length === 3 && tokens[1]?.text === '.' ? scope.get(first.text) : undefined;
  if (typeof row === 'object' && !(row instanceof Unreadable) && row.kind === 'row') {
    const field = row.fields.get((tokens[2] as Token).text);
    return field === undefined ? '' : evaluate(field, row.scope, pkg);
  }
  const text = tokens.map((token) => token.text).join('');
  if (text.startsWith('filepath.Join(') && tokens[tokens.length - 1]?.text === ')') {
    const parts = splitArguments(tokens.slice(4, -1)).map((part) => evaluate(part, scope, pkg));
    return posix.join(...parts);
  }
  if (text.startsWith('string(') && tokens[tokens.length - 1]?.text === ')') return evaluate(tokens.slice(2, -1), scope, pkg);
  if (text === 'konfig.DefaultKustomizationFileName()') return 'kustomization.yaml';
  if (text.startsWith('fmt.Sprintf(') && tokens[tokens.length - 1]?.text === ')') {
    const [format, ...args] = splitArguments(tokens.slice(4, -1)).map((part) => evaluate(part, scope, pkg));
    let next = 0;
    return (format as string).replace(/%[sv%]/g, (verb) => (verb === '%%' ? '%' : (args[next++] ?? '')));
  }
  if (text.startsWith('strings.ReplaceAll(') && tokens[tokens.length - 1]?.text === ')') {
    const [subject, from, to] = splitArguments(tokens.slice(4, -1)).map((part) => evaluate(part, scope, pkg));
    return (subject as string).replaceAll(from as string, to as string);
  }
  throw new Unreadable(`an expression the reader does not evaluate (${text.slice(0, 60)})`);
}

/** Package-level string constants and variables, and every top-level function. */
function readPackage(sources: readonly string[], testdataDir: string): PackageSource {
  const constants = new Map<string, string | Unreadable>();
  const functions = new Map<string, FunctionDecl>();
  const pkg: PackageSource = { constants, functions, testdataDir };
  const pending: Array<{ name: string; value: Token[] }> = [];
  for (const source of sources) {
    const tokens = tokenizeGo(source);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as Token;
      if (token.text === 'func' && tokens[i + 1]?.kind === 'ident' && tokens[i + 2]?.text === '(') {
        const paramsEnd = closing(tokens, i + 2);
        const params = splitArguments(tokens.slice(i + 3, paramsEnd)).map((part) => (part[0] as Token).text);
        let open = paramsEnd + 1;
        while (tokens[open]?.text !== '{') open++;
        const end = closing(tokens, open);
        functions.set((tokens[i + 1] as Token).text, { name: (tokens[i + 1] as Token).text, params, body: tokens.slice(open + 1, end) });
        i = end;
      } else if ((token.text === 'const' || token.text === 'var') && tokens[i + 1]?.text === '(') {
        const end = closing(tokens, i + 1);
        collectDeclarations(tokens.slice(i + 2, end), pending);
        i = end;
      } else if ((token.text === 'const' || token.text === 'var') && tokens[i + 1]?.kind === 'ident') {
        // `const name = …` or `const name string = …`
        const equals = tokens[i + 2]?.text === '=' ? i + 2 : tokens[i + 3]?.text === '=' ? i + 3 : -1;
        if (equals === -1) continue;
        const value = takeExpression(tokens, equals + 1);
        pending.push({ name: (tokens[i + 1] as Token).text, value: tokens.slice(equals + 1, value) });
        i = value - 1;
      } else if (token.text === 'type' || token.text === 'import') {
        // type declarations and imports hold no strings the tests write
        if (tokens[i + 1]?.text === '(') i = closing(tokens, i + 1);
      }
    }
  }
  // Constants may refer to each other: evaluate until nothing changes.
  for (let round = 0; round < 5; round++) {
    for (const { name, value } of pending) {
      if (typeof constants.get(name) === 'string') continue;
      try {
        constants.set(name, evaluate(value, new Map(), pkg));
      } catch (error) {
        constants.set(name, error instanceof Unreadable ? error : new Unreadable(String(error)));
      }
    }
  }
  return pkg;
}

/** End (exclusive) of an expression starting at `start`: operands joined by `+`. */
function takeExpression(tokens: readonly Token[], start: number): number {
  let i = start;
  for (;;) {
    const token = tokens[i];
    if (token === undefined) return i;
    if (token.kind === 'ident' && tokens[i + 1]?.text === '.') {
      i += 2;
      continue;
    }
    if (token.kind === 'ident' && tokens[i + 1]?.text === '(') i = closing(tokens, i + 1) + 1;
    else if (token.text === '(' || token.text === '{' || token.text === '[') i = closing(tokens, i) + 1;
    else i++;
    if (tokens[i]?.text !== '+') return i;
    i++;
  }
}

function collectDeclarations(tokens: readonly Token[], pending: Array<{ name: string; value: Token[] }>): void {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.kind === 'ident' && tokens[i + 1]?.text === '=') {
      const end = takeExpression(tokens, i + 2);
      pending.push({ name: (tokens[i] as Token).text, value: tokens.slice(i + 2, end) });
      i = end - 1;
    }
  }
}

interface RunState {
  readonly files: Map<string, string>;
  readonly cases: KrustyCase[];
  readonly options: Map<string, { reorder: 'none' | 'legacy'; loadRestrictor: KrustyCase['loadRestrictor'] }>;
  harness: string | undefined;
  /** The table row being read (its key or name), for the case's name. */
  variant: string | undefined;
}

const kustomizationHeader = '\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const componentHeader = '\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n';

/** Constructs and calls that make a test unreadable, by reason. */
const unsupported: ReadonlyArray<readonly [RegExp, string]> = [
  [/^kusttest_test\.MakeEnhancedHarnessWithTmpRoot/, 'harness on a temporary disk root (Helm charts, plugin directories)'],
  [/^kusttest_test\.MakeHarnessWithFs/, 'custom file system (MakeHarnessWithFs: exec functions, symlinks, disk)'],
  [/^th\.(BuildGoPlugin|PrepExecPlugin)/, 'Go or exec plugins'],
  [/^th\.ErrIfNoHelm/, 'Helm charts'],
  [/^th\.GetFSys|^fSys\.|^th\.MkDir/, 'writes through the file system directly'],
  [/^loader\.|^krusty\.MakeKustomizer|^remote|^helm/i, 'remote loader, Helm or a kustomizer built by hand'],
];

type BuildOptions = { reorder: 'none' | 'legacy'; loadRestrictor: KrustyCase['loadRestrictor'] };

/**
 * The options of a `th.Run`: a variable set up earlier, `th.MakeDefaultOptions()`, or a closure
 * called in place that sets `LoadRestrictions`/`Reorder` on the defaults.
 */
function readOptions(tokens: readonly Token[], state: RunState): BuildOptions | undefined {
  const text = tokens.map((t) => t.text).join('');
  if (tokens.length === 1) return state.options.get(text);
  // Enabling plugins only lets kustomize load Go/exec plugins, which the tests read here do not use
  // (those calling BuildGoPlugin/PrepExecPlugin are skipped); builtins are always on.
  if (/^\w+\.Make(DefaultOptions|OptionsPluginsDisabled|OptionsPluginsEnabled)\(\)$/.test(text)) return { reorder: 'none', loadRestrictor: 'LoadRestrictionsRootOnly' };
  const closure = /^func\(\)(krusty\.)?Options\{(\w+):=\w+\.MakeDefaultOptions\(\)(.*)return\2\}\(\)$/.exec(text);
  if (closure === null) return undefined;
  const options: BuildOptions = { reorder: 'none', loadRestrictor: 'LoadRestrictionsRootOnly' };
  for (const [, field, value] of (closure[3] as string).matchAll(/\w+\.(\w+)=\w+\.(\w+)/g)) {
    if (field === 'LoadRestrictions') options.loadRestrictor = value === 'LoadRestrictionsNone' ? 'LoadRestrictionsNone' : 'LoadRestrictionsRootOnly';
    else if (field === 'Reorder') options.reorder = value === 'ReorderOptionNone' ? 'none' : 'legacy';
    else return undefined;
  }
  return options;
}

function interpret(body: readonly Token[], scope: Scope, pkg: PackageSource, state: RunState, testName: string, file: string, depth: number): void {
  if (depth > 12) throw new Unreadable('helper functions nested too deep');
  for (let i = 0; i < body.length; i++) {
    const token = body[i] as Token;
    const ahead = body
      .slice(i, i + 4)
      .map((t) => t.text)
      .join('');
    if (token.text === 'for') {
      i = interpretLoop(body, i, scope, pkg, state, testName, file, depth);
      continue;
    }
    if (token.text === 'if') {
      i = interpretCondition(body, i, scope, pkg, state, testName, file, depth);
      continue;
    }
    for (const [pattern, reason] of unsupported) if (pattern.test(ahead)) throw new Unreadable(reason);
    if (token.text === 'func' && body[i + 1]?.text === '(') {
      // A sub-test's body (`func(t *testing.T) {…}`) runs where it stands; other closures make
      // files later or elsewhere.
      const header = body.slice(i, closing(body, i + 1) + 1).map((t) => t.text).join('');
      if (header !== 'func(t*testing.T)') throw new Unreadable('closures (sub-tests or generated files)');
      continue;
    }
    if (token.kind !== 'ident') continue;
    const next = body[i + 1]?.text;
    // harness := kusttest_test.MakeHarness(t), or MakeEnhancedHarness(t).PrepBuiltin("…"): the
    // builtin plugins are compiled into the kustomize binary, so preparing one changes nothing
    if (next === ':=' && body[i + 2]?.text === 'kusttest_test' && (body[i + 4]?.text === 'MakeHarness' || body[i + 4]?.text === 'MakeEnhancedHarness')) {
      state.harness = token.text;
      state.files.clear();
      i = closing(body, i + 5);
      while (body[i + 1]?.text === '.') {
        if (body[i + 2]?.text !== 'PrepBuiltin') throw new Unreadable('Go or exec plugins');
        i = closing(body, i + 3);
      }
      continue;
    }
    // opts := th.MakeDefaultOptions()
    if (next === ':=' && body[i + 2]?.text === state.harness && /^Make(DefaultOptions|OptionsPlugins)/.test(body[i + 4]?.text ?? '')) {
      state.options.set(token.text, { reorder: 'none', loadRestrictor: 'LoadRestrictionsRootOnly' });
      i += 6;
      continue;
    }
    // opts.Reorder = krusty.ReorderOptionLegacy / opts.LoadRestrictions = types.LoadRestrictionsNone
    const options = state.options.get(token.text);
    if (options !== undefined && next === '.') {
      const field = body[i + 2]?.text;
      const value = body[i + 6]?.text;
      if (field === 'Reorder') options.reorder = value === 'ReorderOptionNone' ? 'none' : 'legacy';
      else if (field === 'LoadRestrictions') options.loadRestrictor = value === 'LoadRestrictionsNone' ? 'LoadRestrictionsNone' : 'LoadRestrictionsRootOnly';
      else throw new Unreadable(`option ${field ?? '?'} (not a kustomize build flag)`);
      i += 6;
      continue;
    }
    // cases := []struct{…}{…} / map[string]struct{…}{…}
    if (next === ':=' && (body[i + 2]?.text === '[' || body[i + 2]?.text === 'map')) {
      let open = i + 2;
      while (body[open] !== undefined && body[open]?.text !== '{') open = /[[(]/.test(body[open]?.text ?? '') ? closing(body, open) + 1 : open + 1;
      if (body[open - 1]?.text === 'struct') open = closing(body, open) + 1;
      const end = closing(body, open);
      scope.set(token.text, readList(body.slice(i + 2, end + 1), scope) ?? new Unreadable('a literal the reader does not follow'));
      i = end;
      continue;
    }
    // f(th), f bound to a list element: a helper's name, or a call returning `func(th) {…}`
    const bound = scope.get(token.text);
    if (typeof bound === 'object' && !(bound instanceof Unreadable) && bound.kind === 'element' && next === '(') {
      const end = closing(body, i + 1);
      callFileGen(bound, pkg, state, testName, file, depth);
      i = end;
      continue;
    }
    // c := cases[name], name bound to a row by `for name := range cases`
    if (next === ':=' && body[i + 3]?.text === '[' && body[i + 5]?.text === ']') {
      const row = scope.get((body[i + 4] as Token).text);
      if (typeof row === 'object' && !(row instanceof Unreadable) && row.kind === 'row') {
        scope.set(token.text, row);
        i += 5;
        continue;
      }
    }
    // name := "literal" / bytes, _ := os.ReadFile("./testdata/…")
    if ((next === ':=' || next === '=') && body[i + 2] !== undefined && body[i - 1]?.text !== '.') {
      const end = takeExpression(body, i + 2);
      const value = body.slice(i + 2, end);
      try {
        scope.set(token.text, evaluate(value, scope, pkg));
      } catch (error) {
        scope.set(token.text, error instanceof Unreadable ? error : new Unreadable(String(error)));
      }
      continue;
    }
    if (next === ',' && body[i + 2]?.text === '_' && body[i + 3]?.text === ':=' && body[i + 4]?.text === 'os' && body[i + 6]?.text === 'ReadFile') {
      const end = closing(body, i + 7);
      const path = evaluate(body.slice(i + 8, end), scope, pkg);
      scope.set(token.text, readFileSync(join(pkg.testdataDir, '..', path), 'utf8'));
      i = end;
      continue;
    }
    if (token.text === state.harness && next !== '.') throw new Unreadable('the harness handed to code the reader does not follow');
    if (token.text === state.harness && next === '.') {
      const method = body[i + 2]?.text ?? '';
      const open = i + 3;
      if (body[open]?.text !== '(') throw new Unreadable(`the harness's ${method} handed to code the reader does not follow`);
      const end = closing(body, open);
      const args = splitArguments(body.slice(open + 1, end));
      if (method === 'GetPluginConfig' && body.slice(end + 1, end + 7).map((t) => t.text).join('') === '.BpLoadingOptions=types.BploUseStaticallyLinked') {
        // builtins linked into the binary: what the kustomize CLI does anyway
        i = end + 6;
        continue;
      }
      if (method === 'WriteLegacyConfigs') {
        if (pkg.legacyConfigs === undefined) throw new Unreadable("writes kustomize's built-in field specs (WriteLegacyConfigs)");
        state.files.set(posix.join('/', evaluate(args[0] ?? [], scope, pkg)), pkg.legacyConfigs());
        i = end;
        continue;
      }
      if (method === 'WriteK' || method === 'WriteC' || method === 'WriteF') {
        const path = evaluate(args[0] ?? [], scope, pkg);
        const content = evaluate(args[1] ?? [], scope, pkg);
        const header = method === 'WriteK' ? kustomizationHeader : method === 'WriteC' ? componentHeader : '';
        state.files.set(posix.join('/', method === 'WriteF' ? path : posix.join(path, 'kustomization.yaml')), header + content);
        i = end;
      } else if (method === 'Run' || method === 'RunWithErr') {
        const dir = evaluate(args[0] ?? [], scope, pkg);
        const optionTokens = args[1] ?? [];
        const chosen = readOptions(optionTokens, state);
        if (chosen === undefined) throw new Unreadable(`build options the reader does not follow (${optionTokens.map((t) => t.text).join('')})`);
        state.cases.push({
          name: state.variant === undefined ? testName : `${testName}__${state.variant}`,
          test: testName,
          file,
          files: Object.fromEntries(state.files),
          buildDir: posix.join('/', dir),
          ...chosen,
          expectsError: method === 'RunWithErr',
        });
        i = end;
      } else if (!/^(AssertActualEquals|GetT$|Reset$|PrepBuiltin$)/.test(method)) {
        throw new Unreadable(`harness method ${method}`);
      }
      continue;
    }
    // a helper of this package handed the harness: read its body with its arguments bound
    const helper = pkg.functions.get(token.text);
    if (helper !== undefined && next === '(' && body[i - 1]?.text !== '.' && body[closing(body, i + 1) + 1]?.text === '(') {
      // deployment("db", "prod/db")(th): a FileGen made and called in place
      const end = closing(body, i + 1);
      if (body.slice(end + 2, closing(body, end + 1)).map((t) => t.text).join('') !== state.harness) throw new Unreadable('a call the reader does not follow');
      callFileGen({ kind: 'element', tokens: body.slice(i, end + 1), scope }, pkg, state, testName, file, depth);
      i = closing(body, end + 1);
      continue;
    }
    if (helper !== undefined && next === '(' && body[i - 1]?.text !== '.') {
      const end = closing(body, i + 1);
      const args = splitArguments(body.slice(i + 2, end));
      // the harness, or the plain harness inside an enhanced one (`th.Harness`)
      const isHarness = (arg: readonly Token[]): boolean => {
        const text = arg.map((t) => t.text).join('');
        return text === state.harness || text === `${state.harness}.Harness`;
      };
      if (!args.some(isHarness)) continue;
      const inner: Scope = new Map();
      helper.params.forEach((param, index) => {
        const arg = args[index] ?? [];
        if (isHarness(arg)) inner.set(param, new Unreadable('the harness as a value'));
        else {
          try {
            inner.set(param, evaluate(arg, scope, pkg));
          } catch (error) {
            inner.set(param, error instanceof Unreadable ? error : new Unreadable(String(error)));
          }
        }
      });
      const harnessParam = helper.params[args.findIndex(isHarness)];
      const outer = state.harness;
      state.harness = harnessParam;
      interpret(helper.body, inner, pkg, state, testName, file, depth + 1);
      state.harness = outer;
      i = end;
    }
  }
}

/** A list element called with the harness: `writeTestBase` or `writeK("dir", `…`)` (FileGen). */
function callFileGen(element: ElementValue, pkg: PackageSource, state: RunState, testName: string, file: string, depth: number): void {
  const [name, open] = element.tokens;
  const helper = name === undefined ? undefined : pkg.functions.get(name.text);
  if (helper === undefined) throw new Unreadable('a list element that is not a helper of the package');
  const outer = state.harness;
  if (element.tokens.length === 1) {
    state.harness = helper.params[0];
    interpret(helper.body, new Map(), pkg, state, testName, file, depth + 1);
  } else {
    if (open?.text !== '(') throw new Unreadable('a list element that is not a helper of the package');
    const inner: Scope = new Map();
    splitArguments(element.tokens.slice(2, -1)).forEach((arg, index) => inner.set(helper.params[index] as string, evaluate(arg, element.scope, pkg)));
    const start = helper.body.findIndex((token) => token.text === 'return');
    if (start === -1) throw new Unreadable('a FileGen helper that does not return a closure');
    if (helper.body[start + 1]?.text !== 'func') {
      // return writeF(path, …): another FileGen helper
      const returned = helper.body.slice(start + 1, closing(helper.body, start + 2) + 1);
      state.harness = outer;
      callFileGen({ kind: 'element', tokens: returned, scope: inner }, pkg, state, testName, file, depth + 1);
      return;
    }
    // the helper returns func(th kusttest_test.Harness) { … }
    const paramsEnd = closing(helper.body, start + 2);
    const bodyOpen = paramsEnd + 1 + helper.body.slice(paramsEnd + 1).findIndex((token) => token.text === '{');
    state.harness = (helper.body[start + 3] as Token).text;
    interpret(helper.body.slice(bodyOpen + 1, closing(helper.body, bodyOpen)), inner, pkg, state, testName, file, depth + 1);
  }
  state.harness = outer;
}

/** `for k, v := range list { … }` over a test table or a row's list; returns the index of `}`. */
function interpretLoop(body: readonly Token[], at: number, scope: Scope, pkg: PackageSource, state: RunState, testName: string, file: string, depth: number): number {
  let open = at;
  while (body[open]?.text !== '{') open++;
  const end = closing(body, open);
  const header = body.slice(at + 1, open).map((t) => t.text);
  const range = header.indexOf('range');
  if (range === -1 || header[range - 1] !== ':=') throw new Unreadable('a loop that is not a range over a test table');
  const [keyName, , valueName] = header;
  const listTokens = body.slice(at + 1 + range + 1, open);
  const list: Value | undefined =
    listTokens.map((t) => t.text).join('') === 'konfig.RecognizedKustomizationFileNames()'
      ? { kind: 'list', elements: ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] }
      : listTokens.length === 1
        ? scope.get((listTokens[0] as Token).text)
        : evaluateList(listTokens, scope);
  if (typeof list !== 'object' || list instanceof Unreadable || list.kind !== 'list') throw new Unreadable('a loop over something other than a test table');
  list.elements.forEach((element, index) => {
    const inner: Scope = new Map(scope);
    if (valueName !== undefined && header[1] === ',') inner.set(valueName, element);
    else if (keyName !== undefined) inner.set(keyName, element);
    if (keyName !== undefined && header[1] === ',' && keyName !== '_') inner.set(keyName, typeof element !== 'string' && element.kind === 'row' && element.key !== undefined ? element.key : String(index));
    const outerVariant = state.variant;
    if (typeof element !== 'string' && element.kind === 'row') state.variant = [outerVariant, element.key ?? rowName(element, pkg) ?? String(index)].filter((part) => part !== undefined).join('/');
    interpret(body.slice(open + 1, end), inner, pkg, state, testName, file, depth + 1);
    state.variant = outerVariant;
  });
  return end;
}

/** `tc.input` where the row's field is a list literal. */
function evaluateList(tokens: readonly Token[], scope: Scope): Value | undefined {
  const row = tokens.length === 3 && tokens[1]?.text === '.' ? scope.get((tokens[0] as Token).text) : undefined;
  if (typeof row !== 'object' || row instanceof Unreadable || row.kind !== 'row') return undefined;
  const field = row.fields.get((tokens[2] as Token).text);
  return field === undefined ? { kind: 'list', elements: [] } : readList(field, row.scope);
}

function rowName(row: TableRow, pkg: PackageSource): string | undefined {
  for (const field of ['name', 'testName', 'description']) {
    const tokens = row.fields.get(field);
    if (tokens === undefined) continue;
    try {
      return evaluate(tokens, row.scope, pkg);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * `if cond { … } else { … }`: a condition on strings of the test (`x != ""`, `x == ""`) or a
 * boolean field picks the branch; any other condition (on an error, an output) is walked through
 * as long as neither branch writes a file or builds.
 */
function interpretCondition(body: readonly Token[], at: number, scope: Scope, pkg: PackageSource, state: RunState, testName: string, file: string, depth: number): number {
  let open = at + 1;
  while (body[open]?.text !== '{') open = body[open]?.text === '(' ? closing(body, open) + 1 : open + 1;
  const thenEnd = closing(body, open);
  let elseStart = -1;
  let end = thenEnd;
  const condition = body.slice(at + 1, open);
  const verdict = decide(condition, scope, pkg);
  if (body[thenEnd + 1]?.text === 'else' && body[thenEnd + 2]?.text === 'if') {
    // an else-if chain: only walked through when no branch writes or builds
    if (verdict !== undefined) throw new Unreadable('else-if chains on the test table');
    while (body[end + 1]?.text === 'else') {
      let next = end + 2;
      while (body[next]?.text !== '{') next = body[next]?.text === '(' ? closing(body, next) + 1 : next + 1;
      end = closing(body, next);
    }
    if (body.slice(open, end).some((token, index, all) => token.text === state.harness && all[index + 1]?.text === '.')) {
      throw new Unreadable('a build or write under a condition the reader does not decide');
    }
    return end;
  }
  if (body[thenEnd + 1]?.text === 'else') {
    elseStart = thenEnd + 2;
    end = closing(body, elseStart);
  }
  const thenBody = body.slice(open + 1, thenEnd);
  const elseBody = elseStart === -1 ? [] : body.slice(elseStart + 1, end);
  if (verdict === undefined) {
    const builds = (tokens: readonly Token[]): boolean => tokens.some((token, index) => token.text === state.harness && tokens[index + 1]?.text === '.');
    if (builds(thenBody) || builds(elseBody)) throw new Unreadable('a build or write under a condition the reader does not decide');
    return end;
  }
  interpret(verdict ? thenBody : elseBody, scope, pkg, state, testName, file, depth + 1);
  return end;
}

function decide(condition: readonly Token[], scope: Scope, pkg: PackageSource): boolean | undefined {
  const texts = condition.map((t) => t.text);
  const comparison = texts.findIndex((text) => text === '==' || text === '!=');
  try {
    if (comparison !== -1 && condition.length === comparison + 2 && condition[comparison + 1]?.kind === 'string') {
      const left = evaluate(condition.slice(0, comparison), scope, pkg);
      return (left === (condition[comparison + 1] as { value: string }).value) === (texts[comparison] === '==');
    }
    const negated = texts[0] === '!';
    const operand = negated ? condition.slice(1) : condition;
    const row = operand.length === 3 && operand[1]?.text === '.' ? scope.get((operand[0] as Token).text) : undefined;
    if (typeof row === 'object' && !(row instanceof Unreadable) && row.kind === 'row') {
      const field = row.fields.get((operand[2] as Token).text)?.map((t) => t.text).join('') ?? 'false';
      if (field !== 'true' && field !== 'false') return undefined;
      return (field === 'true') !== negated;
    }
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
  }
  return undefined;
}

/**
 * Why a tree read correctly still cannot be compared on disk: the harness's in-memory file system
 * treats `/..` as `/` (on disk it leaves the tree), and remote URLs need a network the tests do
 * not have (both tools would fail, which is no agreement).
 */
function unfitForDisk(testCase: KrustyCase): string | undefined {
  for (const [path, content] of Object.entries(testCase.files)) {
    if (!/(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(path)) continue;
    for (const [, entry] of content.matchAll(/^\s*(?:-|path:)\s*['"]?([^\s'"#]+)/gm)) {
      if (/^[a-z+]+:\/\/|^github\.com\//.test(entry as string)) return 'remote resources or schemas (needs the network)';
      let depth = posix.dirname(path).split('/').filter((part) => part !== '').length;
      for (const part of (entry as string).split('/')) {
        if (part === '..') depth--;
        else if (part !== '.' && part !== '') depth++;
        if (depth < 0) return "relies on the in-memory file system ('..' above its root is the root)";
      }
    }
  }
  return undefined;
}

/**
 * kustomize's default field specs as `th.WriteLegacyConfigs` writes them: the values of
 * `builtinpluginconsts.GetDefaultFieldSpecsAsMap()` one after the other (a Go map, so in any order;
 * their top-level keys differ, so the YAML means the same), read from the module's own source.
 */
function defaultFieldSpecs(krustyDir: string): string {
  const constantsDir = join(krustyDir, '../internal/konfig/builtinpluginconsts');
  const files = readdirSync(constantsDir).filter((name) => name.endsWith('.go') && !name.endsWith('_test.go'));
  const consts = readPackage(
    files.map((name) => readFileSync(join(constantsDir, name), 'utf8')),
    constantsDir,
  );
  const assembling = consts.functions.get('GetDefaultFieldSpecsAsMap');
  if (assembling === undefined) throw new Unreadable('GetDefaultFieldSpecsAsMap not found');
  const parts: string[] = [];
  for (let i = 0; i < assembling.body.length; i++) {
    // result["nameprefix"] = namePrefixFieldSpecs
    if (assembling.body[i]?.text === ']' && assembling.body[i + 1]?.text === '=') {
      const value = consts.constants.get((assembling.body[i + 2] as Token).text);
      if (typeof value !== 'string') throw value ?? new Unreadable('a default field spec that is not a constant');
      parts.push(value);
    }
  }
  return parts.join('');
}

/** Every `TestXxx` of the krusty test files in `krustyDir`: its builds, or why it was skipped. */
export function extractKrustyCases(krustyDir: string, fileNames: readonly string[]): { cases: KrustyCase[]; skipped: KrustySkip[] } {
  const sources = fileNames.map((name) => ({ name, source: readFileSync(join(krustyDir, name), 'utf8') }));
  const pkg = { ...readPackage(sources.map((source) => source.source), join(krustyDir, 'testdata')), legacyConfigs: () => defaultFieldSpecs(krustyDir) };
  const cases: KrustyCase[] = [];
  const skipped: KrustySkip[] = [];
  for (const { name: file, source } of sources) {
    for (const match of source.matchAll(/^func (Test\w+)\(t \*testing\.T\)/gm)) {
      const testName = match[1] as string;
      const decl = pkg.functions.get(testName);
      if (decl === undefined) continue;
      const state: RunState = { files: new Map(), cases: [], options: new Map(), harness: undefined, variant: undefined };
      try {
        interpret(decl.body, new Map(), pkg, state, testName, file, 0);
        if (state.harness === undefined) throw new Unreadable('no kustomize build (not a harness test)');
        if (state.cases.length === 0) throw new Unreadable('no kustomize build (not a harness test)');
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
        skipped.push({ name: testName, file, reason: error.message });
        continue;
      }
      // a name built more than once (several runs in one test or row) gets __runN
      const runs = new Map<string, number>();
      for (const found of state.cases) runs.set(found.name, (runs.get(found.name) ?? 0) + 1);
      const seen = new Map<string, number>();
      for (const found of state.cases) {
        const run = (seen.get(found.name) ?? 0) + 1;
        seen.set(found.name, run);
        const named = (runs.get(found.name) ?? 0) > 1 ? { ...found, name: `${found.name}__run${run}` } : found;
        const unfit = unfitForDisk(named);
        if (unfit === undefined) cases.push(named);
        else skipped.push({ name: named.name, file, reason: unfit });
      }
    }
  }
  return { cases, skipped };
}
