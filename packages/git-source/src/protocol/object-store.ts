import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { type GitObject, type ObjectType, readPackIndex, readPackedObject } from './pack.js';

interface Pack {
  data: Buffer;
  offsets: Map<string, number>;
}

/**
 * Packs are immutable (named by their checksum), so their parsed indexes and bytes are shared
 * by every store of the process, up to a budget; the least recently opened go first.
 */
const openPacks = new Map<string, Pack>();
const PACK_BUDGET_BYTES = 256 << 20;

function openPack(indexPath: string): Pack {
  const cached = openPacks.get(indexPath);
  if (cached) {
    openPacks.delete(indexPath);
    openPacks.set(indexPath, cached);
    return cached;
  }
  const pack: Pack = {
    offsets: readPackIndex(readFileSync(indexPath)),
    data: readFileSync(indexPath.replace(/\.idx$/, '.pack')),
  };
  openPacks.set(indexPath, pack);
  let total = 0;
  for (const open of openPacks.values()) total += open.data.length;
  for (const [path, open] of openPacks) {
    if (total <= PACK_BUDGET_BYTES || path === indexPath) break;
    openPacks.delete(path);
    total -= open.data.length;
  }
  return pack;
}

/**
 * Objects just indexed by a fetch, handed to the {@link ObjectStore}s of that git directory
 * so the archive does not inflate them a second time; released by the first `close()`.
 */
const freshlyFetched = new Map<string, Map<string, GitObject>>();

/** @internal Called by the fetch with the objects of the pack it wrote. */
export function rememberFetched(gitdir: string, objects: Map<string, GitObject>): void {
  freshlyFetched.set(gitdir, objects);
}

/**
 * Reads objects of a git directory (packs and loose objects) with native zlib: the fast
 * path for archiving a tree of thousands of files.
 *
 * @remarks
 * Loads each pack whole into memory on first use; call {@link ObjectStore.close} (or drop the
 * instance) to release it. Not safe against packs added after construction: make a new one.
 */
export class ObjectStore {
  private readonly gitdir: string;
  private packs: Pack[] | undefined;
  private fresh: Map<string, GitObject> | undefined;
  private inflated = new Map<Pack, Map<number, GitObject>>();

  constructor(gitdir: string) {
    this.gitdir = gitdir;
    this.fresh = freshlyFetched.get(gitdir);
  }

  /** Whether the object exists. */
  has(oid: string): boolean {
    return this.fresh?.has(oid) === true || this.locate(oid) !== undefined || existsSync(this.loosePath(oid));
  }

  /** Reads an object, or throws when it is missing. */
  read(oid: string): GitObject {
    const fresh = this.fresh?.get(oid);
    if (fresh) return fresh;
    const found = this.locate(oid);
    if (found) {
      // Inflated objects (delta bases above all) are cached per store, so memory goes with it.
      let cache = this.inflated.get(found.pack);
      if (cache === undefined) this.inflated.set(found.pack, (cache = new Map()));
      return readPackedObject(found.pack.data, found.offset, (base) => this.read(base), cache);
    }
    const path = this.loosePath(oid);
    if (!existsSync(path)) throw new Error(`object ${oid} not found in ${this.gitdir}`);
    const raw = inflateSync(readFileSync(path));
    const space = raw.indexOf(0x20);
    const nul = raw.indexOf(0);
    return { type: raw.toString('latin1', 0, space) as ObjectType, content: raw.subarray(nul + 1) };
  }

  /** Reads an object of a given type. */
  readAs(oid: string, type: ObjectType): Buffer {
    const object = this.read(oid);
    if (object.type !== type) throw new Error(`object ${oid} is a ${object.type}, not a ${type}`);
    return object.content;
  }

  /** Releases the packs and the objects handed over by the last fetch. */
  close(): void {
    if (this.fresh !== undefined && freshlyFetched.get(this.gitdir) === this.fresh) freshlyFetched.delete(this.gitdir);
    this.packs = undefined;
    this.fresh = undefined;
    this.inflated = new Map();
  }

  private locate(oid: string): { pack: Pack; offset: number } | undefined {
    for (const pack of this.loadPacks()) {
      const offset = pack.offsets.get(oid);
      if (offset !== undefined) return { pack, offset };
    }
    return undefined;
  }

  private loadPacks(): Pack[] {
    if (this.packs) return this.packs;
    const dir = join(this.gitdir, 'objects', 'pack');
    const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.idx')) : [];
    this.packs = names.map((name) => openPack(join(dir, name)));
    return this.packs;
  }

  private loosePath(oid: string): string {
    return join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  }
}

/** One entry of a tree object. */
export interface TreeItem {
  mode: string;
  name: string;
  oid: string;
}

/** Parses a tree object's content. */
export function parseTree(content: Buffer): TreeItem[] {
  const items: TreeItem[] = [];
  let position = 0;
  while (position < content.length) {
    const space = content.indexOf(0x20, position);
    const nul = content.indexOf(0, space);
    const mode = content.toString('latin1', position, space);
    items.push({
      mode: mode.length === 5 ? `0${mode}` : mode,
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 21),
    });
    position = nul + 21;
  }
  return items;
}

/** The tree id of a commit object's content. */
export function commitTree(content: Buffer): string {
  const match = /^tree ([0-9a-f]{40})/.exec(content.toString('latin1', 0, 46));
  if (match === null) throw new Error('commit without a tree');
  return match[1]!;
}
