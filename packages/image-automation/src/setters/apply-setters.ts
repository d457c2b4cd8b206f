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

/**
 * Runs {@link rewriteSetters} over every `.yaml`/`.yml` file under `path` in a checkout and
 * writes back the files that changed (each through a temporary file and a rename).
 *
 * @remarks
 * Directories whose name starts with `.` (`.git` among them) are skipped, as are symlinks.
 * Files without a marker are not rewritten, so their bytes and modification times stay. A
 * `path` that leaves the checkout is refused.
 *
 * @throws {@link SetterError} for a marked file that is not valid YAML, or a `path` outside the checkout.
 * @example
 * ```ts
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
  for (const file of await yamlFiles(base, options.signal)) {
    options.signal?.throwIfAborted();
    const text = await readFile(file, 'utf8');
    const name = relative(root, file).split(sep).join('/');
    const result = rewriteSetters(text, options.policies, { file: name });
    if (result.changes.length === 0) continue;
    const temporary = `${file}.weft-setters-${process.pid}`;
    await writeFile(temporary, result.text);
    await rename(temporary, file);
    changes.push(...result.changes);
    files.push(name);
  }
  return { changes, files: files.sort() };
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
