import { posix } from 'node:path';
import type { ArtifactEntry } from '@weft/git-source';
import { leavesRoot } from './artifact-fs.js';
import { ArtifactError } from './artifact-error.js';

const BLOCK = 512;

/**
 * Parses a ustar/PAX tarball (as git-source writes artifacts) into its entries: files,
 * directories and symlinks, paths relative to the root.
 *
 * @throws {@link ArtifactError} naming the tarball for a truncated tarball, or a path (or a
 * symlink target) that leaves the root.
 * @example
 * ```ts
 * import { untar } from '@weft/delivery';
 *
 * const entries = untar(tarBytes, 'apps.tar');
 * ```
 */
export function untar(tar: Buffer, name: string): ArtifactEntry[] {
  const entries: ArtifactEntry[] = [];
  let pax: Record<string, string> = {};
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (body.length !== size) throw new ArtifactError(name, `artifact ${name} is a truncated tarball`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = parsePax(body);
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const path = pax['path'] ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    const target = pax['linkpath'] ?? cString(header.subarray(157, 257));
    pax = {};
    if (type !== '0' && type !== '\0' && type !== '2' && type !== '5') continue;
    const normalised = posix.normalize(`/${path}`);
    if (normalised.split('/').includes('..') || path.split('/').includes('..')) throw new ArtifactError(name, `artifact ${name} holds a path outside its root: '${path}'`);
    const relative = normalised.slice(1).replace(/\/$/, '');
    if (type === '5') entries.push({ path: relative, type: 'directory' });
    else if (type === '2') {
      if (posix.isAbsolute(target) || leavesRoot(posix.dirname(relative), target)) throw new ArtifactError(name, `artifact ${name} holds a symlink outside its root: '${path}' → '${target}'`);
      entries.push({ path: relative, type: 'symlink', target });
    } else entries.push({ path: relative, type: 'file', content: body });
  }
  return entries;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  const text = cString(bytes).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parsePax(body: Buffer): Record<string, string> {
  // Each record is "<length> <key>=<value>\n", the length in bytes and counting itself.
  const records: Record<string, string> = {};
  for (let position = 0; position < body.length; ) {
    const space = body.indexOf(0x20, position);
    const length = Number(body.subarray(position, space).toString('ascii'));
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    position += length;
  }
  return records;
}
