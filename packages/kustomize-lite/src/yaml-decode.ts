import { Composer, Lexer, LineCounter, Parser, isAlias, isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLError } from 'yaml';
import { YamlSyntaxError } from './errors.js';
import { formatGoNumber, formatGoTimestamp, resolvePlainScalar, type GoYamlVersion } from './go-yaml-scalars.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/** How a YAML stream is decoded: which go-yaml reads plain scalars, and what a repeated key does. */
export interface YamlDecodeOptions {
  /** `v3` as kyaml reads resources and patches; `v2` (YAML 1.1) as sigs.k8s.io/yaml reads kustomization files. */
  readonly version: GoYamlVersion;
  /** `error` as kyaml (`mapping key "x" already defined`); `last-wins` as sigs.k8s.io/yaml's lenient decoding. */
  readonly duplicateKeys: 'error' | 'last-wins';
}

/**
 * go-yaml accepts a quoted scalar whose continuation lines are indented no deeper than its key
 * (Flagger's CRDs have `description: 'first line` followed by `  more'` at the key's column); the
 * `yaml` lexer ends the scalar there. This lexer scans quoted scalars without the indentation check
 * (document markers still end them).
 */
class GoYamlLexer extends Lexer {}
const lexerPrototype = Lexer.prototype as unknown as { parseQuotedScalar: () => Generator<string, string> };
(GoYamlLexer.prototype as unknown as { parseQuotedScalar: () => Generator<string, string> }).parseQuotedScalar = function* (this: { indentNext: number }) {
  const indentNext = this.indentNext;
  this.indentNext = 0;
  try {
    return yield* lexerPrototype.parseQuotedScalar.call(this);
  } finally {
    this.indentNext = indentNext;
  }
};

/** go-yaml v3's guard against alias expansion bombs (decode.go allowedAliasRatio). */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

interface DecodeContext {
  readonly file: string;
  readonly text: string;
  readonly lines: LineCounter;
  readonly options: YamlDecodeOptions;
  readonly anchors: Map<string, JsonValue | typeof pendingAnchor>;
  decodeCount: number;
  aliasCount: number;
}

const pendingAnchor = Symbol('pending anchor');

function positionOf(context: DecodeContext, offset: number | undefined): { line: number; col: number } | undefined {
  if (offset === undefined) return undefined;
  return context.lines.linePos(offset);
}

function failAt(context: DecodeContext, node: Node | undefined, reason: string): never {
  const position = positionOf(context, node?.range?.[0]);
  const where = position === undefined ? context.file : `${context.file}:${position.line}:${position.col}`;
  throw new YamlSyntaxError(`${where}: invalid YAML: ${reason}`, { file: context.file, ...(position === undefined ? {} : { line: position.line }) });
}

function countNode(context: DecodeContext, inAlias: boolean, node: Node | undefined): void {
  context.decodeCount++;
  if (inAlias) context.aliasCount++;
  if (context.aliasCount > 100 && context.decodeCount > 1000 && context.aliasCount / context.decodeCount > allowedAliasRatio(context.decodeCount)) {
    failAt(context, node, 'document contains excessive aliasing (a YAML alias bomb?)');
  }
}

/** A copy of an anchored value for one alias, counted against the aliasing budget as it is made. */
function copyForAlias(context: DecodeContext, value: JsonValue, alias: Node): JsonValue {
  countNode(context, true, alias);
  if (Array.isArray(value)) return value.map((item) => copyForAlias(context, item, alias));
  if (isJsonMap(value)) {
    const copy: JsonMap = {};
    for (const [key, item] of Object.entries(value)) copy[key] = copyForAlias(context, item, alias);
    return copy;
  }
  return value;
}

const shortTags: Record<string, string> = {
  'tag:yaml.org,2002:str': '!!str',
  'tag:yaml.org,2002:int': '!!int',
  'tag:yaml.org,2002:float': '!!float',
  'tag:yaml.org,2002:bool': '!!bool',
  'tag:yaml.org,2002:null': '!!null',
  'tag:yaml.org,2002:timestamp': '!!timestamp',
  'tag:yaml.org,2002:binary': '!!binary',
  'tag:yaml.org,2002:merge': '!!merge',
};

/** A scalar with an explicit tag, as go-yaml's resolve(tag, value) decodes it. */
function taggedScalar(context: DecodeContext, scalar: Scalar, tag: string, text: string): JsonValue {
  const short = shortTags[tag] ?? tag;
  switch (short) {
    case '!!str':
    case '!!timestamp':
      return text;
    case '!!binary':
      return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('latin1');
    case '!!int':
    case '!!float':
    case '!!bool':
    case '!!null': {
      const resolved = resolvePlainScalar(text, context.options.version);
      const wanted = short.slice(2);
      if (resolved.tag === wanted) return finiteValue(context, scalar, resolved.value);
      if (wanted === 'float' && resolved.tag === 'int') return resolved.value;
      return failAt(context, scalar, `cannot decode !!${resolved.tag} \`${text}\` as a ${short}`);
    }
    default:
      // local tags (`!thing`) and unknown global ones: go-yaml keeps the text
      return text;
  }
}

function finiteValue(context: DecodeContext, node: Node, value: JsonValue): JsonValue {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // kustomize converts objects to JSON, which has no NaN or infinity
    failAt(context, node, `json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`);
  }
  return value;
}

// Written by scalarText, so the character read there cannot be optimised away.
let flattenSink = 0;

function scalarText(scalar: Scalar): string {
  const text = typeof scalar.source === 'string' ? scalar.source : String(scalar.value ?? '');
  // The yaml package builds quoted and folded scalars a character at a time, which V8 keeps as a
  // tree of pieces (about 32 bytes per character) until the string is read. Reading a character
  // flattens it: a 50 MB manifest of quoted values kept ten times its size in such trees.
  if (text.length > 1) flattenSink ^= text.charCodeAt(text.length - 1);
  return text;
}

function scalarValue(context: DecodeContext, scalar: Scalar): JsonValue {
  const text = scalarText(scalar);
  if (scalar.tag !== undefined && scalar.tag !== '!') return taggedScalar(context, scalar, scalar.tag, text);
  if (scalar.type === 'PLAIN' || scalar.type === undefined) {
    const resolved = resolvePlainScalar(text, context.options.version);
    // kyaml hands kustomize's JSON conversion a Go time.Time, which it writes in RFC 3339
    if (resolved.tag === 'timestamp' && context.options.version === 'v3') return formatGoTimestamp(text);
    return finiteValue(context, scalar, resolved.value);
  }
  if ((scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED') && text.endsWith('\n')) {
    // A block scalar that ends the stream without a line break has no final line break to keep
    // (go-yaml); the `yaml` package adds one.
    const end = scalar.range?.[1] ?? 0;
    if (end >= context.text.length && !/[\r\n]$/.test(context.text)) return text.slice(0, -1);
  }
  return text;
}

/** A map key as a JSON object key: scalars by their decoded value, as sigs.k8s.io/yaml turns them into strings. */
function keyString(context: DecodeContext, key: Node | null, role: NodeRole): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) {
    if (context.options.version === 'v3') {
      // kustomize converts objects to JSON through Go maps: only the top level is a
      // map[string]interface{}; a nested map with a key that is not a string cannot be written
      if (role !== 'root' && (key.tag !== undefined || key.type === 'PLAIN') && scalarValue(context, key) !== scalarText(key)) {
        failAt(context, key, `json: unsupported type: map[interface {}]interface {} (key ${scalarText(key)} is not a string)`);
      }
      return scalarText(key);
    }
    const value = scalarValue(context, key);
    if (value === null) return failAt(context, key, 'unsupported map key of type: <nil>');
    return typeof value === 'number' ? formatGoNumber(value) : String(value);
  }
  return failAt(context, key, 'a map key must be a scalar');
}

function isMergeKey(key: Node | null): boolean {
  if (key === null || !isScalar(key) || key.source !== '<<') return false;
  return key.type === 'PLAIN' && (key.tag === undefined || key.tag === 'tag:yaml.org,2002:merge');
}

function mergeSources(context: DecodeContext, value: Node | null, inAlias: boolean): JsonMap[] {
  const sources = value !== null && isSeq(value) ? (value.items as Node[]) : [value];
  return sources.map((source) => {
    const decoded = convert(context, source, inAlias);
    if (!isJsonMap(decoded)) failAt(context, source ?? undefined, 'map merge requires map or sequence of maps as the value');
    return decoded;
  });
}

/**
 * Where a node sits, for kyaml's quirks: the top-level map (its keys may be any scalar), an
 * object's `metadata`, its `metadata.annotations` and one annotation's value (kustomize rewrites
 * annotations from the values' text), a top-level `items` list (whose elements are objects),
 * anything else.
 */
type NodeRole = 'root' | 'metadata' | 'annotations' | 'annotation' | 'items' | 'value';

function childRole(role: NodeRole, key: string): NodeRole {
  if (role === 'root') return key === 'metadata' ? 'metadata' : key === 'items' ? 'items' : 'value';
  if (role === 'metadata' && key === 'annotations') return 'annotations';
  if (role === 'annotations') return 'annotation';
  return 'value';
}

function convert(context: DecodeContext, node: Node | null | undefined, inAlias: boolean, role: NodeRole = 'value'): JsonValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const anchored = context.anchors.get(node.source);
    if (anchored === undefined) failAt(context, node, `unknown anchor '${node.source}' referenced`);
    if (anchored === pendingAnchor) failAt(context, node, `anchor '${node.source}' value contains itself`);
    return copyForAlias(context, anchored, node);
  }
  countNode(context, inAlias, node);
  const anchor = node.anchor;
  if (anchor !== undefined) context.anchors.set(anchor, pendingAnchor);
  let value: JsonValue;
  if (isScalar(node)) value = role === 'annotation' && context.options.version === 'v3' && node.type === 'PLAIN' && node.tag === undefined ? scalarText(node) : scalarValue(context, node);
  else if (isSeq(node)) value = (node.items as Node[]).map((item) => convert(context, item, inAlias, role === 'items' ? 'root' : 'value'));
  else if (isMap(node)) {
    const explicit: JsonMap = {};
    const lines = new Map<string, number>();
    let merged: JsonMap[] = [];
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (isMergeKey(key)) {
        merged = merged.concat(mergeSources(context, pair.value as Node | null, inAlias));
        continue;
      }
      const name = keyString(context, key, role);
      if (Object.hasOwn(explicit, name) && context.options.duplicateKeys === 'error') {
        failAt(context, key ?? undefined, `mapping key "${name}" already defined at line ${lines.get(name) ?? 0}`);
      }
      lines.set(name, positionOf(context, key?.range?.[0])?.line ?? 0);
      explicit[name] = convert(context, pair.value as Node | null, inAlias, childRole(role, name));
    }
    if (merged.length === 0) value = explicit;
    else {
      // explicit keys win over merged ones; earlier merged maps win over later ones
      const combined: JsonMap = {};
      for (const source of merged.reverse()) Object.assign(combined, source);
      value = Object.assign(combined, explicit);
    }
  } else value = failAt(context, node, 'unsupported YAML node');
  if (anchor !== undefined) context.anchors.set(anchor, value);
  return value;
}

function syntaxError(context: DecodeContext, error: YAMLError): YamlSyntaxError {
  const position = positionOf(context, error.pos[0]);
  const where = position === undefined ? context.file : `${context.file}:${position.line}:${position.col}`;
  const reason = error.message.split('\n')[0] ?? error.message;
  return new YamlSyntaxError(`${where}: invalid YAML: ${reason}`, { file: context.file, ...(position === undefined ? {} : { line: position.line }) });
}

/**
 * Decodes a multi-document YAML stream as kustomize's Go YAML libraries do, one document at a
 * time (empty and `null` documents are dropped).
 *
 * @remarks
 * Plain scalars resolve as go-yaml `options.version` does; quoted and block scalars are strings;
 * merge keys (`<<`) and aliases are expanded, within go-yaml's aliasing budget. Linear in the input:
 * repeated keys are found with a hash set.
 *
 * @throws YamlSyntaxError naming the file, line and column: bad syntax, a repeated key (with
 * `duplicateKeys: 'error'`), excessive aliasing, a value JSON cannot hold.
 */
export function decodeYamlStream(text: string, file: string, options: YamlDecodeOptions): JsonValue[] {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  (parser as unknown as { lexer: Lexer }).lexer = new GoYamlLexer();
  const composer = new Composer({ schema: 'failsafe', uniqueKeys: false, merge: false, prettyErrors: false, version: '1.2' });
  const context: DecodeContext = { file, text, lines, options, anchors: new Map(), decodeCount: 0, aliasCount: 0 };
  const values: JsonValue[] = [];
  const take = (document: Document.Parsed): void => {
    const error = document.errors[0];
    if (error !== undefined) throw syntaxError(context, error);
    context.anchors.clear();
    const value = convert(context, document.contents as Node | null, false, 'root');
    if (value !== null) values.push(value);
  };
  for (const token of parser.parse(text)) for (const document of composer.next(token)) take(document);
  for (const document of composer.end(false, text.length)) take(document);
  return values;
}
