/**
 * One step of a field path, in its FieldsV1 spelling: `f:<field>`, `k:<json of key fields>`,
 * `v:<json value>` or `i:<index>`.
 */
export type PathElement = string;

/** A path into an object: its elements from the root. */
export type FieldPath = readonly PathElement[];

/**
 * A set of field paths, as structured-merge-diff's `fieldpath.Set`: a tree whose nodes may also be
 * members ("this path itself is owned") besides having children.
 *
 * @remarks
 * Immutable from the outside: operations return new sets. Empty child nodes are never kept.
 * Elements are FieldsV1 keys, so `decodeFieldsV1` / `encodeFieldsV1` convert without parsing.
 * @throws never
 *
 * @example
 * ```ts
 * import { FieldSet } from '@weft/merge';
 *
 * const set = FieldSet.fromPaths([['f:spec', 'f:replicas']]);
 * set.has(['f:spec', 'f:replicas']); // true
 * set.has(['f:spec']); // false: only a parent
 * ```
 */
export class FieldSet {
  private constructor(
    /** Elements of this node that are members. */
    readonly members: ReadonlySet<PathElement>,
    /** Child sets, by element. */
    readonly children: ReadonlyMap<PathElement, FieldSet>,
  ) {}

  private static readonly emptySet = new FieldSet(new Set(), new Map());

  /** The empty set. */
  static empty(): FieldSet {
    return FieldSet.emptySet;
  }

  /** A set holding exactly these paths. */
  static fromPaths(paths: Iterable<FieldPath>): FieldSet {
    const builder = new FieldSetBuilder();
    for (const path of paths) builder.insert(path);
    return builder.build();
  }

  /** @internal */
  static fromParts(members: Set<PathElement>, children: Map<PathElement, FieldSet>): FieldSet {
    if (members.size === 0 && children.size === 0) return FieldSet.emptySet;
    return new FieldSet(members, children);
  }

  /** Whether the set has no paths. */
  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  /** Whether `path` is a member. */
  has(path: FieldPath): boolean {
    let node: FieldSet | undefined = this;
    for (let index = 0; index < path.length - 1; index++) {
      node = node.children.get(path[index] as PathElement);
      if (node === undefined) return false;
    }
    return path.length > 0 && node.members.has(path[path.length - 1] as PathElement);
  }

  /** The paths under `element`, relative to it (structured-merge-diff's `WithPrefix`). */
  withPrefix(element: PathElement): FieldSet {
    return this.children.get(element) ?? FieldSet.emptySet;
  }

  /** Paths in either set. */
  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const members = new Set(this.members);
    for (const member of other.members) members.add(member);
    const children = new Map(this.children);
    for (const [element, child] of other.children) {
      const mine = children.get(element);
      children.set(element, mine === undefined ? child : mine.union(child));
    }
    return FieldSet.fromParts(members, children);
  }

  /** Paths in this set but not in `other` (members compared node by node). */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const members = new Set<PathElement>();
    for (const member of this.members) if (!other.members.has(member)) members.add(member);
    const children = new Map<PathElement, FieldSet>();
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      const rest = theirs === undefined ? child : child.difference(theirs);
      if (!rest.isEmpty()) children.set(element, rest);
    }
    return FieldSet.fromParts(members, children);
  }

  /** Paths in this set that are not in `other` and have no prefix that is a member of `other`. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const members = new Set<PathElement>();
    for (const member of this.members) if (!other.members.has(member)) members.add(member);
    const children = new Map<PathElement, FieldSet>();
    for (const [element, child] of this.children) {
      if (other.members.has(element)) continue;
      const theirs = other.children.get(element);
      const rest = theirs === undefined ? child : child.recursiveDifference(theirs);
      if (!rest.isEmpty()) children.set(element, rest);
    }
    return FieldSet.fromParts(members, children);
  }

  /** Paths in both sets. */
  intersection(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return FieldSet.emptySet;
    const members = new Set<PathElement>();
    for (const member of this.members) if (other.members.has(member)) members.add(member);
    const children = new Map<PathElement, FieldSet>();
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (theirs === undefined) continue;
      const both = child.intersection(theirs);
      if (!both.isEmpty()) children.set(element, both);
    }
    return FieldSet.fromParts(members, children);
  }

  /** Whether both sets hold the same paths. */
  equals(other: FieldSet): boolean {
    if (this === other) return true;
    if (this.members.size !== other.members.size || this.children.size !== other.children.size) return false;
    for (const member of this.members) if (!other.members.has(member)) return false;
    for (const [element, child] of this.children) {
      const theirs = other.children.get(element);
      if (theirs === undefined || !child.equals(theirs)) return false;
    }
    return true;
  }

  /**
   * Every member path, in structured-merge-diff's iteration order: at each node its members
   * (fields, then keys, values, indexes; each sorted), then its children in the same order.
   */
  paths(): FieldPath[] {
    const result: FieldPath[] = [];
    const walk = (node: FieldSet, prefix: PathElement[]): void => {
      for (const member of [...node.members].sort(comparePathElements)) result.push([...prefix, member]);
      for (const element of [...node.children.keys()].sort(comparePathElements)) {
        walk(node.children.get(element) as FieldSet, [...prefix, element]);
      }
    };
    walk(this, []);
    return result;
  }
}

/** Builds a {@link FieldSet} by inserting paths; used by the walkers that derive sets from values. */
export class FieldSetBuilder {
  private readonly members = new Set<PathElement>();
  private readonly children = new Map<PathElement, FieldSetBuilder>();

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node: FieldSetBuilder = this;
    for (let index = 0; index < path.length - 1; index++) node = node.child(path[index] as PathElement);
    node.members.add(path[path.length - 1] as PathElement);
  }

  insertMember(element: PathElement): void {
    this.members.add(element);
  }

  child(element: PathElement): FieldSetBuilder {
    let child = this.children.get(element);
    if (child === undefined) {
      child = new FieldSetBuilder();
      this.children.set(element, child);
    }
    return child;
  }

  build(): FieldSet {
    const children = new Map<PathElement, FieldSet>();
    for (const [element, child] of this.children) {
      const built = child.build();
      if (!built.isEmpty()) children.set(element, built);
    }
    return FieldSet.fromParts(new Set(this.members), children);
  }
}

const kindOrder: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Orders path elements as structured-merge-diff does: by kind, then by name, key or value. */
export function comparePathElements(left: PathElement, right: PathElement): number {
  const kl = kindOrder[left[0] as string] ?? 4;
  const kr = kindOrder[right[0] as string] ?? 4;
  if (kl !== kr) return kl - kr;
  switch (left[0]) {
    case 'i':
      return Number(left.slice(2)) - Number(right.slice(2));
    case 'k':
      return compareKeys(parsed(left), parsed(right) as Record<string, unknown>);
    case 'v':
      return compareValues(parsed(left), parsed(right));
    default:
      return compareStrings(left, right);
  }
}

const parsedElements = new Map<string, unknown>();

function parsed(element: PathElement): any {
  let value = parsedElements.get(element);
  if (value === undefined) {
    value = JSON.parse(element.slice(2));
    if (parsedElements.size > 10_000) parsedElements.clear();
    parsedElements.set(element, value);
  }
  return value;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** structured-merge-diff's `FieldList.Compare`: field by field (sorted names), shorter first. */
function compareKeys(left: Record<string, unknown>, right: Record<string, unknown>): number {
  const l = Object.entries(left);
  const r = Object.entries(right);
  for (let index = 0; ; index++) {
    if (index >= l.length && index >= r.length) return 0;
    if (index >= l.length) return -1;
    if (index >= r.length) return 1;
    const [ln, lv] = l[index] as [string, unknown];
    const [rn, rv] = r[index] as [string, unknown];
    const byName = compareStrings(ln, rn);
    if (byName !== 0) return byName;
    const byValue = compareValues(lv, rv);
    if (byValue !== 0) return byValue;
  }
}

function typeRank(value: unknown): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  if (value !== null && typeof value === 'object') return 4;
  return 5;
}

/** structured-merge-diff's `value.Compare`: numbers, then strings, booleans, lists, maps, null. */
function compareValues(left: unknown, right: unknown): number {
  const rl = typeRank(left);
  const rr = typeRank(right);
  if (rl !== rr) return rl - rr;
  switch (rl) {
    case 0:
      return (left as number) - (right as number);
    case 1:
      return compareStrings(left as string, right as string);
    case 2:
      return Number(left) - Number(right);
    case 3: {
      const l = left as unknown[];
      const r = right as unknown[];
      for (let index = 0; index < Math.min(l.length, r.length); index++) {
        const c = compareValues(l[index], r[index]);
        if (c !== 0) return c;
      }
      return l.length - r.length;
    }
    case 4: {
      const sortedEntries = (value: object): Record<string, unknown> =>
        Object.fromEntries(Object.entries(value).sort(([a], [b]) => compareStrings(a, b)));
      return compareKeys(sortedEntries(left as object), sortedEntries(right as object));
    }
    default:
      return 0;
  }
}

/** The element naming a struct or map field. */
export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/**
 * A path as the apiserver prints it in conflict messages: `.spec.replicas`,
 * `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`.
 *
 * @remarks Key values are printed as JSON (strings quoted, numbers bare), keys in name order.
 * @throws never
 * @example
 * ```ts
 * import { formatFieldPath } from '@weft/merge';
 *
 * formatFieldPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']); // '.spec.ports[port=80,protocol="TCP"]'
 * ```
 */
export function formatFieldPath(path: FieldPath): string {
  return path.map(formatPathElement).join('');
}

function formatPathElement(element: PathElement): string {
  const body = element.slice(2);
  switch (element[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(key)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join(',')}]`;
    }
    case 'v':
      return `[=${body}]`;
    case 'i':
      return `[${body}]`;
    default:
      return element;
  }
}
