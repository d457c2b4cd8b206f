import { CST, Composer, type Document, Parser, parseDocument } from 'yaml';
import { ImageAutomationError } from '../errors.js';

/** An ImagePolicy's result (`status.latestRef`): the image name, its tag, and the digest when reflected. */
export interface ImageRef {
  readonly name: string;
  readonly tag: string;
  readonly digest?: string;
}

/** Which part of the ref a marker asks for: `ns:name` the whole ref, `ns:name:tag|name|digest` one part. */
export type SetterField = 'image' | 'tag' | 'name' | 'digest';

/** The object a changed field belongs to (from the document's `apiVersion`, `kind`, `metadata`). */
export interface ChangedObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** One field a setter rewrote. */
export interface SetterChange {
  /** The file, relative to the update path, when known. */
  readonly file?: string;
  /** 1-based line of the field. */
  readonly line: number;
  /** The ImagePolicy named by the marker. */
  readonly policy: { readonly namespace: string; readonly name: string };
  readonly field: SetterField;
  readonly oldValue: string;
  readonly newValue: string;
  readonly object: ChangedObject;
}

/** The policies setters may use, keyed `namespace/name`, or a function that finds one. */
export type PolicyRefs = ReadonlyMap<string, ImageRef> | ((namespace: string, name: string) => ImageRef | undefined);

/** A file with a setter marker that is not valid YAML. Not retryable until the file is fixed. */
export class SetterError extends ImageAutomationError {
  override name = 'SetterError';
  constructor(file: string, message: string) {
    super(file, message, { reason: 'UpdateFailed' });
  }
}

const MARKER = '$imagepolicy';
const SCALARS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar']);

/** The text a marker sets for a field. Flux's whole ref carries the digest when the policy has one. */
export function setterValue(ref: ImageRef, field: SetterField): string {
  switch (field) {
    case 'tag':
      return ref.tag;
    case 'name':
      return ref.name;
    case 'digest':
      return ref.digest ?? '';
    case 'image':
      return `${ref.name}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`;
  }
}

/**
 * Rewrites the YAML fields marked with a setter comment (`# {"$imagepolicy": "ns:name"}`,
 * `…:tag`, `…:name`, `…:digest`) to the policy's current ref, as Flux's `Setters` strategy does.
 *
 * @remarks
 * Only the bytes of the marked scalars change: comments, key order, indentation, document
 * separators, line endings (CRLF included) and every other byte stay as they were. A value
 * keeps its quoting (plain, `'single'`, `"double"`); a plain value that would read back as
 * something other than that string (`1.10`, `true`) is double-quoted. Markers naming a policy
 * not in `policies` are left alone, as are fields already up to date; a text without a marker
 * is returned as is, unparsed.
 *
 * @throws {@link SetterError} when a text with a marker is not valid YAML.
 * @example
 * ```ts
 * import { rewriteSetters } from '@weft/image-automation';
 * const policies = new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]);
 * rewriteSetters('image: ghcr.io/org/web:1.3.0 # {"$imagepolicy": "apps:web"}\n', policies).text;
 * // 'image: ghcr.io/org/web:1.4.0 # {"$imagepolicy": "apps:web"}\n'
 * ```
 */
export function rewriteSetters(text: string, policies: PolicyRefs, options: { file?: string } = {}): { text: string; changes: SetterChange[] } {
  if (!text.includes(MARKER)) return { text, changes: [] };
  const file = options.file ?? '<input>';
  // One lexing and parsing pass: the CST gives the offsets, the composer the documents.
  const tokens = Array.from(new Parser().parse(text));
  const documents: Document[] = Array.from(new Composer().compose(tokens, true));
  for (const document of documents) {
    if (document.errors.length > 0) throw new SetterError(file, `not valid YAML: ${document.errors[0]!.message}`);
  }
  const lookup = typeof policies === 'function' ? policies : (namespace: string, name: string) => policies.get(`${namespace}/${name}`);
  const edits: { start: number; end: number; replacement: string; change: SetterChange }[] = [];
  let documentIndex = -1;
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    documentIndex++;
    const document = documents[documentIndex];
    let object: ChangedObject | undefined;
    visitScalars(token, (scalar) => {
      const marker = markerOf(scalar.end);
      if (!marker) return;
      const ref = lookup(marker.namespace, marker.name);
      if (!ref) return;
      const oldValue = scalarValue(scalar);
      const newValue = setterValue(ref, marker.field);
      if (oldValue === newValue) return;
      object ??= objectOf(document);
      edits.push({
        start: scalar.offset,
        end: scalar.offset + scalar.source.length,
        replacement: formatScalar(scalar.type, newValue),
        change: {
          ...(options.file !== undefined ? { file: options.file } : {}),
          line: lineOf(text, scalar.offset),
          policy: { namespace: marker.namespace, name: marker.name },
          field: marker.field,
          oldValue,
          newValue,
          object,
        },
      });
    });
  }
  if (edits.length === 0) return { text, changes: [] };
  let out = '';
  let cursor = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    out += text.slice(cursor, edit.start) + edit.replacement;
    cursor = edit.end;
  }
  out += text.slice(cursor);
  return { text: out, changes: edits.map((edit) => edit.change) };
}

interface ScalarToken {
  type: string;
  offset: number;
  source: string;
  end?: { type: string; source: string }[];
}

/** Calls `visit` for every flow scalar in a CST subtree. */
function visitScalars(node: unknown, visit: (scalar: ScalarToken) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visitScalars(item, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const candidate = node as Partial<ScalarToken>;
  if (typeof candidate.type === 'string' && SCALARS.has(candidate.type) && typeof candidate.source === 'string') {
    visit(candidate as ScalarToken);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'source' && typeof value === 'object') visitScalars(value, visit);
  }
}

/** The setter marker in a scalar's same-line comment: `# {"$imagepolicy": "ns:name[:field]"}`. */
function markerOf(end: ScalarToken['end']): { namespace: string; name: string; field: SetterField } | undefined {
  for (const token of end ?? []) {
    if (token.type === 'newline') return undefined;
    if (token.type !== 'comment') continue;
    let value: unknown;
    try {
      value = JSON.parse(token.source.slice(1).trim());
    } catch {
      return undefined;
    }
    const reference = (value as Record<string, unknown> | null)?.[MARKER];
    if (typeof reference !== 'string') return undefined;
    const parts = reference.split(':');
    if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) return undefined;
    const field = parts[2] ?? 'image';
    if (field !== 'image' && field !== 'tag' && field !== 'name' && field !== 'digest') return undefined;
    if (parts.length === 3 && field === 'image') return undefined;
    return { namespace: parts[0], name: parts[1], field };
  }
  return undefined;
}

/** The string a scalar token holds (quotes and escapes resolved). */
function scalarValue(scalar: ScalarToken): string {
  if (scalar.type === 'scalar') return scalar.source.trim();
  return CST.resolveAsScalar(scalar as Parameters<typeof CST.resolveAsScalar>[0])?.value ?? '';
}

/** Plain values already checked, by value: most runs write the same few refs many times. */
const plainValues = new Map<string, boolean>();

function formatScalar(type: string, value: string): string {
  if (type === 'single-quoted-scalar') return `'${value.replaceAll("'", "''")}'`;
  if (type === 'double-quoted-scalar') return JSON.stringify(value);
  // A plain scalar stays plain only when it reads back as the same string.
  let plain = plainValues.get(value);
  if (plain === undefined) {
    const reread = parseDocument(value).contents as { value?: unknown } | null;
    plain = value !== '' && !/[\r\n#]/.test(value) && reread !== null && reread.value === value;
    if (plainValues.size > 10_000) plainValues.clear();
    plainValues.set(value, plain);
  }
  return plain ? value : JSON.stringify(value);
}

function objectOf(document: Document | undefined): ChangedObject {
  const text = (path: string[]) => {
    try {
      const value = document?.getIn(path);
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined; // a document that is not a mapping
    }
  };
  const result: { -readonly [K in keyof ChangedObject]: ChangedObject[K] } = {};
  const apiVersion = text(['apiVersion']);
  const kind = text(['kind']);
  const namespace = text(['metadata', 'namespace']);
  const name = text(['metadata', 'name']);
  if (apiVersion) result.apiVersion = apiVersion;
  if (kind) result.kind = kind;
  if (namespace) result.namespace = namespace;
  if (name) result.name = name;
  return result;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
