import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type PolicyRefs, type SetterChange, SetterError, rewriteSetters } from './rewrite-setters.js';

/** Options of {@link applySetters}. */
export interface ApplySettersOptions {
  /** The policies setters may use (`namespace/name` → latest ref). */
  readonly policies: PolicyRefs;
  /** The directory to update, relative to the checkout (Flux's `update.path`); default the whole checkout. */
  readonly path?: string;
  readonly signal?: AbortSignal;
}

/** What {@link applySetters} changed. */
export interface SetterResult {
  /** Every rewritten field, in file order. */
  readonly changes: readonly SetterChange[];
  /** The changed files, relative to the checkout, sorted. */
  readonly files: readonly string[];
}

const YAML_FILE = /\.ya?ml$/i;
/** Files read and written at once. */
const CONCURRENCY = 8;

/**
 * Runs {@link rewriteSetters} over every `.yaml`/`.yml` file under `path` in a checkout and
 * writes back the files that changed (each through a temporary file and a rename). Every file
 * is rewritten in memory before any is written, so a file that fails changes nothing.
 *
 * @remarks
 * Directories whose name starts with `.` (`.git` among them) are skipped, as are symlinks.
 * Files without a marker are not rewritten, so their bytes and modification times stay. A
 * `path` that leaves the checkout is refused.
 *
 * @throws {@link SetterError} for a marked file that is not valid YAML, or a `path` outside the checkout.
 * @example
 * ```ts
 * import { applySetters } from '@weft/image-automation';
 * const { files } = await applySetters(checkout, { path: './deploy', policies: new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]) });
 * ```
 */
export async function applySetters(checkout: string, options: ApplySettersOptions): Promise<SetterResult> {
  const root = resolve(checkout);
  const base = resolve(root, options.path ?? '.');
  if (base !== root && !base.startsWith(root + sep)) throw new SetterError(options.path ?? '.', 'update.path leaves the repository');
  if (!(await stat(base).catch(() => undefined))?.isDirectory()) throw new SetterError(options.path ?? '.', 'update.path is not a directory of the repository');
  const changes: SetterChange[] = [];
  const files: string[] = [];
  const paths = await yamlFiles(base, options.signal);
  // First rewrite every file in memory, so a file that fails leaves all of them as they were;
  // then write the changed ones. Files are independent: a few at a time, so the disk work overlaps.
  const rewritten: ({ file: string; name: string; text: string; changes: SetterChange[] } | undefined)[] = new Array(paths.length);
  await eachConcurrently(paths, async (file, index) => {
    options.signal?.throwIfAborted();
    const name = relative(root, file).split(sep).join('/');
    const result = rewriteSetters(await readFile(file, 'utf8'), options.policies, { file: name });
    if (result.changes.length > 0) rewritten[index] = { file, name, text: result.text, changes: result.changes };
  });
  const changed = rewritten.filter((entry) => entry !== undefined);
  options.signal?.throwIfAborted();
  await eachConcurrently(changed, async ({ file, text }) => {
    const temporary = `${file}.weft-setters-${process.pid}`;
    await writeFile(temporary, text);
    await rename(temporary, file);
  });
  for (const entry of changed) {
    changes.push(...entry.changes);
    files.push(entry.name);
  }
  return { changes, files: files.sort() };
}

async function eachConcurrently<T>(items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

async function yamlFiles(dir: string, signal: AbortSignal | undefined): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return out;
    throw error;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    signal?.throwIfAborted();
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(path, signal)));
    else if (entry.isFile() && YAML_FILE.test(entry.name)) out.push(path);
  }
  return out;
}
