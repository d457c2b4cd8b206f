/**
 * Reads the fixture trees out of kustomize's own `api/krusty/*_test.go` files, at test time (the Go
 * source is read from the Go module cache, never committed). Only the harness's straight-line
 * shape is understood: `th.WriteK/WriteF/WriteC(path, text)` with string literals, their `+`
 * concatenations, package-level or local string constants, `filepath.Join`, files of krusty's
 * `testdata/`, and same-package helper functions called with such arguments; then
 * `th.Run(dir, opts)` / `th.RunWithErr(dir, opts)`. Anything else makes the test a skipped one,
 * with the reason.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** One build taken from a krusty test: the files it wrote (paths below `/`) and how it built. */
export interface KrustyCase {
  /** `TestName`, or `TestName__runN` when the test builds more than once. */
  readonly name: string;
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

type Scope = Map<string, string | Unreadable>;

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
    if (value === undefined) throw new Unreadable(`a value that is not a string constant (${first.text})`);
    if (value instanceof Unreadable) throw value;
    return value;
  }
  const text = tokens.map((token) => token.text).join('');
  if (text.startsWith('filepath.Join(') && tokens[tokens.length - 1]?.text === ')') {
    const parts = splitArguments(tokens.slice(3, -1)).map((part) => evaluate(part, scope, pkg));
    return posix.join(...parts);
  }
  if (text.startsWith('string(') && tokens[tokens.length - 1]?.text === ')') return evaluate(tokens.slice(2, -1), scope, pkg);
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
}

const kustomizationHeader = '\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const componentHeader = '\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n';

/** Constructs and calls that make a test unreadable, by reason. */
const unsupported: ReadonlyArray<readonly [RegExp, string]> = [
  [/^kusttest_test\.MakeEnhancedHarness/, 'plugin harness (MakeEnhancedHarness: Go/exec plugins, Helm)'],
  [/^kusttest_test\.MakeHarnessWithFs/, 'custom file system (MakeHarnessWithFs)'],
  [/^th\.MakeOptionsPluginsEnabled/, 'plugins enabled'],
  [/^th\.WriteLegacyConfigs/, "writes kustomize's built-in field specs (WriteLegacyConfigs)"],
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
  if (/^\w+\.Make(DefaultOptions|OptionsPluginsDisabled)\(\)$/.test(text)) return { reorder: 'none', loadRestrictor: 'LoadRestrictionsRootOnly' };
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
  if (depth > 5) throw new Unreadable('helper functions nested too deep');
  for (let i = 0; i < body.length; i++) {
    const token = body[i] as Token;
    const ahead = body
      .slice(i, i + 4)
      .map((t) => t.text)
      .join('');
    if (token.text === 'for') throw new Unreadable('table-driven or sub-tests');
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
    // harness := kusttest_test.MakeHarness(t)
    if (next === ':=' && body[i + 2]?.text === 'kusttest_test' && body[i + 4]?.text === 'MakeHarness') {
      state.harness = token.text;
      state.files.clear();
      i += 4;
      continue;
    }
    // opts := th.MakeDefaultOptions()
    if (next === ':=' && body[i + 2]?.text === state.harness && /^Make(Default|OptionsPluginsDisabled)/.test(body[i + 4]?.text ?? '')) {
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
    if (token.text === state.harness && next === '.') {
      const method = body[i + 2]?.text ?? '';
      const open = i + 3;
      if (body[open]?.text !== '(') continue;
      const end = closing(body, open);
      const args = splitArguments(body.slice(open + 1, end));
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
          name: testName,
          file,
          files: Object.fromEntries(state.files),
          buildDir: posix.join('/', dir),
          ...chosen,
          expectsError: method === 'RunWithErr',
        });
        i = end;
      } else if (!/^(AssertActualEquals|GetT$)/.test(method)) {
        throw new Unreadable(`harness method ${method}`);
      }
      continue;
    }
    // a helper of this package handed the harness: read its body with its arguments bound
    const helper = pkg.functions.get(token.text);
    if (helper !== undefined && next === '(' && body[i - 1]?.text !== '.') {
      const end = closing(body, i + 1);
      const args = splitArguments(body.slice(i + 2, end));
      if (!args.some((arg) => arg.length === 1 && arg[0]?.text === state.harness)) continue;
      const inner: Scope = new Map();
      helper.params.forEach((param, index) => {
        const arg = args[index] ?? [];
        if (arg.length === 1 && arg[0]?.text === state.harness) inner.set(param, new Unreadable('the harness as a value'));
        else {
          try {
            inner.set(param, evaluate(arg, scope, pkg));
          } catch (error) {
            inner.set(param, error instanceof Unreadable ? error : new Unreadable(String(error)));
          }
        }
      });
      const harnessParam = helper.params[args.findIndex((arg) => arg.length === 1 && arg[0]?.text === state.harness)];
      const outer = state.harness;
      state.harness = harnessParam;
      interpret(helper.body, inner, pkg, state, testName, file, depth + 1);
      state.harness = outer;
      i = end;
    }
  }
}

/** Every `TestXxx` of the krusty test files in `krustyDir`: its builds, or why it was skipped. */
export function extractKrustyCases(krustyDir: string, fileNames: readonly string[]): { cases: KrustyCase[]; skipped: KrustySkip[] } {
  const sources = fileNames.map((name) => ({ name, source: readFileSync(join(krustyDir, name), 'utf8') }));
  const pkg = readPackage(
    sources.map((source) => source.source),
    join(krustyDir, 'testdata'),
  );
  const cases: KrustyCase[] = [];
  const skipped: KrustySkip[] = [];
  for (const { name: file, source } of sources) {
    for (const match of source.matchAll(/^func (Test\w+)\(t \*testing\.T\)/gm)) {
      const testName = match[1] as string;
      const decl = pkg.functions.get(testName);
      if (decl === undefined) continue;
      const state: RunState = { files: new Map(), cases: [], options: new Map(), harness: undefined };
      try {
        interpret(decl.body, new Map(), pkg, state, testName, file, 0);
        if (state.harness === undefined) throw new Unreadable('no kustomize build (not a harness test)');
        if (state.cases.length === 0) throw new Unreadable('no kustomize build (not a harness test)');
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
        skipped.push({ name: testName, file, reason: error.message });
        continue;
      }
      const several = state.cases.length > 1;
      state.cases.forEach((found, index) => cases.push(several ? { ...found, name: `${testName}__run${index + 1}` } : found));
    }
  }
  return { cases, skipped };
}
