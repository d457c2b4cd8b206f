import { gzipSync } from 'node:zlib';

/** One entry of an artifact. */
export interface ArtifactEntry {
  /** Relative, `/`-separated path; directories without a trailing slash. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** Whether a file is executable (git mode 100755). */
  executable?: boolean;
  /** File content. */
  content?: Uint8Array;
  /** Symlink target, as stored in git. */
  target?: string;
  /** The git blob id, when the entry came from git (not written to the tar). */
  oid?: string;
}

const BLOCK = 512;

/**
 * Writes entries as a deterministic gzip-compressed tar: entries sorted by path,
 * directories `0755`, files `0644` (`0755` when executable), owner 0:0, every time 0,
 * and a fixed gzip header, so the same tree always has the same bytes and digest.
 *
 * @remarks
 * POSIX ustar; a path or link target too long for its field gets a PAX header.
 *
 * @example
 * ```ts
 * import { writeTarGz } from '@weft/git-source';
 * const bytes = writeTarGz([{ path: 'a.yaml', type: 'file', content: Buffer.from('x: 1\n') }]);
 * ```
 */
export function writeTarGz(entries: readonly ArtifactEntry[]): Buffer {
  return gzipSync(writeTar(entries), { level: 6 });
}

/**
 * The uncompressed tar of {@link writeTarGz}.
 *
 * @example
 * ```ts
 * import { writeTar } from '@weft/git-source';
 * const tar = writeTar([{ path: 'a', type: 'directory' }]);
 * ```
 */
export function writeTar(entries: readonly ArtifactEntry[]): Buffer {
  // Sort by the UTF-8 bytes of the name (computed once: comparing inside the sort allocates).
  const sorted = entries
    .map((entry) => ({ entry, name: entryName(entry), key: Buffer.from(entryName(entry)) }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const chunks: Buffer[] = [];
  for (const { entry, name } of sorted) {
    const content = entry.type === 'file' && entry.content ? Buffer.from(entry.content.buffer, entry.content.byteOffset, entry.content.byteLength) : ZEROS.subarray(0, 0);
    const target = entry.type === 'symlink' ? (entry.target ?? '') : '';
    const pax: string[] = [];
    const split = splitName(name);
    if (split === undefined) pax.push(paxRecord('path', name));
    if (Buffer.byteLength(target) > 100) pax.push(paxRecord('linkpath', target));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(''));
      chunks.push(header({ name: 'PaxHeader', prefix: '', mode: 0o644, size: body.length, type: 'x', link: '' }), body, padding(body.length));
    }
    const mode = entry.type === 'directory' ? 0o755 : entry.type === 'symlink' ? 0o777 : entry.executable ? 0o755 : 0o644;
    const type = entry.type === 'directory' ? '5' : entry.type === 'symlink' ? '2' : '0';
    chunks.push(
      header({
        name: split?.name ?? name.slice(0, 100),
        prefix: split?.prefix ?? '',
        mode,
        size: content.length,
        type,
        link: Buffer.byteLength(target) > 100 ? '' : target,
      }),
    );
    if (content.length > 0) chunks.push(content, padding(content.length));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

function entryName(entry: ArtifactEntry): string {
  return entry.type === 'directory' ? `${entry.path}/` : entry.path;
}

/** ustar keeps up to 100 bytes of name and 155 of prefix, split at a `/`. */
function splitName(name: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { name: rest, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const size = Buffer.byteLength(body);
  // The length counts its own digits.
  let total = size + 1;
  while (total !== size + String(total).length) total = size + String(total).length;
  return `${total}${body}`;
}

/** Headers are pure functions of their fields; successive artifacts of a repository share most. */
const headerCache = new Map<string, Buffer>();
const HEADER_CACHE_LIMIT = 200_000;

function header(h: { name: string; prefix: string; mode: number; size: number; type: string; link: string }): Buffer {
  const key = `${h.prefix}\0${h.name}\0${h.mode}\0${h.size}\0${h.type}\0${h.link}`;
  const cached = headerCache.get(key);
  if (cached) return cached;
  if (headerCache.size >= HEADER_CACHE_LIMIT) headerCache.clear();
  const block = buildHeader(h);
  headerCache.set(key, block);
  return block;
}

function buildHeader(h: { name: string; prefix: string; mode: number; size: number; type: string; link: string }): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(h.name, 0, 100, 'utf8');
  writeOctal(block, h.mode, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, h.size, 124, 12);
  writeOctal(block, 0, 136, 12);
  block.fill(' ', 148, 156);
  block.write(h.type, 156, 1, 'latin1');
  block.write(h.link, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  block.write(h.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

function writeOctal(block: Buffer, value: number, offset: number, length: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

const ZEROS = Buffer.alloc(BLOCK);

/** The zeros that fill a member of `length` bytes up to a whole block. */
function padding(length: number): Buffer {
  return ZEROS.subarray(0, (BLOCK - (length % BLOCK)) % BLOCK);
}
