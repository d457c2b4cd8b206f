import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpClient } from 'isomorphic-git';
import { ArtifactTooLargeError, GitFetchError, GitRefNotFoundError } from '../errors.js';
import { indexPack, writePackIndex } from './pack.js';
import { rememberFetched } from './object-store.js';

/** What to ask the server for. */
export interface PackRequest {
  wants: readonly string[];
  /** Deepen to this many commits (shallow fetch). */
  depth?: number;
  /**
   * Stop the transfer once the response passes this many bytes, before it is all in memory
   * (see {@link transferLimit}).
   */
  maxBytes?: number;
}

/**
 * The most a fetch may download for a repository whose content must stay within `maxSize`: the pack
 * holds compressed content plus trees, commits and (for pinned commits) history, so twice the
 * limit plus 1 MiB, which a repository within the limit does not reach in practice.
 *
 * @example
 * ```ts
 * import { transferLimit } from '@weft/git-source';
 * transferLimit(10 << 20); // 22020096
 * ```
 */
export function transferLimit(maxSize: number): number {
  return 2 * maxSize + (1 << 20);
}

const CAPABILITIES = 'side-band-64k ofs-delta shallow no-progress agent=weft-git-source';

/**
 * Fetches the objects of `wants` from a smart-HTTP git server into a bare git directory with
 * one `git-upload-pack` request (protocol v1, stateless), through isomorphic-git's HTTP client:
 * sends the directory's commits as `have`s and its shallow boundary, writes the received pack
 * and a v2 index (built with native zlib and SHA-1), and updates the `shallow` file.
 *
 * @remarks
 * Needs a server that offers `side-band-64k`, `ofs-delta` and `shallow` (every git server
 * since git 1.6) and, to want a commit that is not a ref tip, `allowReachableSHA1InWant`.
 *
 * @throws {@link GitFetchError} on an error reported by the server or a malformed response.
 */
export async function fetchPack(
  url: string,
  gitdir: string,
  request: PackRequest,
  http: HttpClient,
  headers: Record<string, string>,
): Promise<void> {
  const shallowFile = join(gitdir, 'shallow');
  const shallow = (await readFile(shallowFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const haves = await localTips(gitdir);
  const lines: (string | null)[] = [];
  request.wants.forEach((oid, i) => lines.push(`want ${oid}${i === 0 ? ` ${CAPABILITIES}` : ''}\n`));
  for (const oid of shallow) lines.push(`shallow ${oid}\n`);
  if (request.depth !== undefined) lines.push(`deepen ${request.depth}\n`);
  lines.push(null);
  for (const oid of haves) lines.push(`have ${oid}\n`);
  lines.push('done\n');
  const body = Buffer.concat(lines.map(pktLine));
  const response = await http.request({
    url: `${url.replace(/\/$/, '')}/git-upload-pack`,
    method: 'POST',
    headers: {
      ...headers,
      'Content-Type': 'application/x-git-upload-pack-request',
      Accept: 'application/x-git-upload-pack-result',
    },
    // An array body is sent as one buffer with a Content-Length (isomorphic-git's http/node does this).
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  if (response.statusCode !== 200) {
    throw Object.assign(new Error(`HTTP Error: ${response.statusCode} ${response.statusMessage}`), {
      code: 'HttpError',
      data: { statusCode: response.statusCode, statusMessage: response.statusMessage },
    });
  }

  // The response is parsed as it arrives, so only the pack itself is held, and a transfer over
  // `maxBytes` stops before the rest is downloaded.
  const newShallow: string[] = [];
  const unshallow: string[] = [];
  const packParts: Buffer[] = [];
  let negotiated = false;
  let pending = Buffer.alloc(0);
  let received = 0;
  const takeLines = () => {
    let position = 0;
    while (pending.length - position >= 4) {
      const length = Number.parseInt(pending.toString('latin1', position, position + 4), 16);
      if (Number.isNaN(length) || (length > 0 && length < 4)) throw new GitFetchError(url, 'malformed upload-pack response');
      if (length === 0) {
        position += 4;
        continue;
      }
      if (pending.length - position < length) break;
      const payload = pending.subarray(position + 4, position + length);
      position += length;
      if (!negotiated) {
        const text = payload.toString('utf8').trimEnd();
        if (text.startsWith('shallow ')) newShallow.push(text.slice(8));
        else if (text.startsWith('unshallow ')) unshallow.push(text.slice(10));
        else if (text.startsWith('ERR ')) {
          // The server refuses wants it does not know (e.g. a commit that is not on the remote).
          if (/not our ref/.test(text)) throw new GitRefNotFoundError(url, `commit ${request.wants.join(', ')}`);
          throw new GitFetchError(url, `server error: ${text.slice(4)}`);
        } else if (text === 'NAK' || text.startsWith('ACK ')) negotiated = true;
        continue;
      }
      const band = payload[0];
      // Copied: the pending buffer is dropped once parsed.
      if (band === 1) packParts.push(Buffer.from(payload.subarray(1)));
      else if (band === 3) throw new GitFetchError(url, `server error: ${payload.subarray(1).toString('utf8').trim()}`);
    }
    pending = pending.subarray(position);
  };
  for await (const chunk of response.body ?? []) {
    received += chunk.byteLength;
    if (request.maxBytes !== undefined && received > request.maxBytes) {
      throw new ArtifactTooLargeError(url, received, request.maxBytes, 'transfer');
    }
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    takeLines();
  }
  if (pending.length > 0) throw new GitFetchError(url, 'truncated upload-pack response');
  const pack = Buffer.concat(packParts);
  if (pack.length > 0) {
    const { objects, checksum, contents } = indexPack(pack);
    rememberFetched(gitdir, contents);
    if (objects.length > 0) {
      const dir = join(gitdir, 'objects', 'pack');
      await mkdir(dir, { recursive: true });
      const base = join(dir, `pack-${checksum.toString('hex')}`);
      // The index is written last: a pack without its index is invisible to readers.
      await writeFile(`${base}.pack.tmp`, pack);
      await rename(`${base}.pack.tmp`, `${base}.pack`);
      await writeFile(`${base}.idx.tmp`, writePackIndex(objects, checksum));
      await rename(`${base}.idx.tmp`, `${base}.idx`);
    }
  }
  const boundary = new Set(shallow);
  for (const oid of newShallow) boundary.add(oid);
  for (const oid of unshallow) boundary.delete(oid);
  if (boundary.size > 0 || shallow.length > 0) {
    await writeFile(`${shallowFile}.tmp`, [...boundary].map((oid) => `${oid}\n`).join(''));
    await rename(`${shallowFile}.tmp`, shallowFile);
  }
}

/** Records a fetched tip under `refs/weft/…`, so later fetches send it as a `have`. */
export async function recordTip(gitdir: string, name: string, oid: string): Promise<void> {
  const path = tipPath(gitdir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(`${path}.tmp`, `${oid}\n`);
  await rename(`${path}.tmp`, path);
}

/** The tip recorded for a ref name by {@link recordTip}, if any. */
export async function readTip(gitdir: string, name: string): Promise<string | undefined> {
  const oid = (await readFile(tipPath(gitdir, name), 'utf8').catch(() => '')).trim();
  return /^[0-9a-f]{40}$/.test(oid) ? oid : undefined;
}

function tipPath(gitdir: string, name: string): string {
  return join(gitdir, 'refs', 'weft', name.replace(/^refs\//, '').replace(/\.\.|[^A-Za-z0-9._/-]/g, '_'));
}

async function localTips(gitdir: string): Promise<string[]> {
  const tips = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!entry.name.endsWith('.tmp')) {
        const oid = (await readFile(path, 'utf8')).trim();
        if (/^[0-9a-f]{40}$/.test(oid)) tips.add(oid);
      }
    }
  };
  await walk(join(gitdir, 'refs', 'weft'));
  return [...tips];
}

function pktLine(line: string | null): Buffer {
  if (line === null) return Buffer.from('0000');
  const payload = Buffer.from(line);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}
