import { Parser, parseAllDocuments, parseDocument } from 'yaml';
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
 * const policies = new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]);
 * rewriteSetters('image: ghcr.io/org/web:1.3.0 # {"$imagepolicy": "apps:web"}\n', policies).text;
 * // 'image: ghcr.io/org/web:1.4.0 # {"$imagepolicy": "apps:web"}\n'
 * ```
 */
export function rewriteSetters(text: string, policies: PolicyRefs, options: { file?: string } = {}): { text: string; changes: SetterChange[] } {
  if (!text.includes(MARKER)) return { text, changes: [] };
  const file = options.file ?? '<input>';
  const documents = parseAllDocuments(text);
  const parsed = Array.isArray(documents) ? documents : [documents];
  for (const document of parsed) {
    if (document.errors.length > 0) throw new SetterError(file, `not valid YAML: ${document.errors[0]!.message}`);
  }
  const lookup = typeof policies === 'function' ? policies : (namespace: string, name: string) => policies.get(`${namespace}/${name}`);
  const edits: { start: number; end: number; replacement: string; change: SetterChange }[] = [];
  let documentIndex = -1;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    documentIndex++;
    const object = objectOf(parsed[documentIndex]?.toJS());
    visitScalars(token, (scalar) => {
      const marker = markerOf(scalar.end);
      if (!marker) return;
      const ref = lookup(marker.namespace, marker.name);
      if (!ref) return;
      const oldValue = scalarValue(scalar.type, scalar.source);
      const newValue = setterValue(ref, marker.field);
      if (oldValue === newValue) return;
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

function scalarValue(type: string, source: string): string {
  const value = parseDocument(source).contents as { value?: unknown; source?: string } | null;
  if (type === 'scalar') return source.trim();
  return String(value?.value ?? '');
}

function formatScalar(type: string, value: string): string {
  if (type === 'single-quoted-scalar') return `'${value.replaceAll("'", "''")}'`;
  if (type === 'double-quoted-scalar') return JSON.stringify(value);
  // A plain scalar stays plain only when it reads back as the same string.
  const reread = parseDocument(value).contents as { value?: unknown } | null;
  const plain = value !== '' && !/[\r\n#]/.test(value) && reread !== null && reread.value === value;
  return plain ? value : JSON.stringify(value);
}

function objectOf(value: unknown): ChangedObject {
  if (typeof value !== 'object' || value === null) return {};
  const object = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const result: { -readonly [K in keyof ChangedObject]: ChangedObject[K] } = {};
  if (text(object.apiVersion)) result.apiVersion = text(object.apiVersion)!;
  if (text(object.kind)) result.kind = text(object.kind)!;
  if (text(object.metadata?.namespace)) result.namespace = text(object.metadata?.namespace)!;
  if (text(object.metadata?.name)) result.name = text(object.metadata?.name)!;
  return result;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
