import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReconcileContext } from '@weft/reconcile-core';
import { startGitServer, type GitServer } from '@weft/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ArtifactStorage,
  GitRepositoryReconciler,
  fetchArtifact,
  listRemoteRefs,
  redactSecrets,
  redactUrl,
  type GitRepository,
} from '../index.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

/** The distinctive pieces a secret is made of: none of them may appear anywhere a user can read. */
const token = fc.stringMatching(/^[A-Za-z0-9_~-]{10,16}$/).map((text) => `Q${text}Z`);

/** What users put between those pieces, unencoded: the characters parsers split URLs on, and more. */
const delimiter = fc.constantFrom('/', '?', '#', '@', ':', '%', ' ', '\\', '&', '=', ';', '%2F', '%40', '%zz', '\t', '"', "'", '[', ']', '!', '$', '+', ',', '^', '`', '{', '}', '|', '<', '>', '..', '//', '@@', ':@', '\u00e9', '\u{1F511}');

interface Secret {
  readonly text: string;
  readonly pieces: readonly string[];
}

const secret: fc.Arbitrary<Secret> = fc
  .tuple(fc.option(delimiter, { nil: undefined }), token, fc.array(fc.tuple(delimiter, token), { maxLength: 3 }), fc.option(delimiter, { nil: undefined }))
  .map(([before, first, rest, after]) => ({
    text: `${before ?? ''}${first}${rest.map(([d, t]) => `${d}${t}`).join('')}${after ?? ''}`,
    pieces: [first, ...rest.map(([, t]) => t)],
  }));

/** A URL a user could write with a secret in it, and the pieces of that secret. */
interface SecretUrl {
  readonly url: string;
  readonly pieces: readonly string[];
}

function secretUrls(hosts: readonly string[]): fc.Arbitrary<SecretUrl> {
  const host = fc.constantFrom(...hosts);
  const scheme = fc.constantFrom('http', 'HTTP', 'Http');
  const path = fc.constantFrom('/private.git', '/org/app.git', '/private', '/a/b/c.git');
  const user = fc.oneof(fc.constantFrom('bot', 'git', 'x-access-token', 'oauth2'), token);
  const pieces = (s: Secret, u: string) => [...s.pieces, ...(u.startsWith('Q') ? [u] : [])];
  return fc.oneof(
    // user:password@ as written, and percent-encoded.
    fc.tuple(scheme, user, secret, host, path).map(([sc, u, s, h, p]) => ({ url: `${sc}://${u}:${s.text}@${h}${p}`, pieces: pieces(s, u) })),
    fc.tuple(scheme, user, secret, host, path).map(([sc, u, s, h, p]) => ({ url: `${sc}://${encodeURIComponent(u)}:${encodeURIComponent(s.text)}@${h}${p}`, pieces: pieces(s, u) })),
    // A token as the user name.
    fc.tuple(scheme, secret, host, path).map(([sc, s, h, p]) => ({ url: `${sc}://${s.text}@${h}${p}`, pieces: s.pieces })),
    // Tokens in the query string and the fragment.
    fc.tuple(scheme, fc.constantFrom('access_token', 'private_token', 'token', 'sig', 'X-Amz-Signature'), secret, host, path).map(([sc, name, s, h, p]) => ({
      url: `${sc}://${h}${p}?ref=main&${name}=${encodeURIComponent(s.text)}`,
      pieces: s.pieces,
    })),
    fc.tuple(scheme, token, host, path).map(([sc, t, h, p]) => ({ url: `${sc}://${h}${p}?access_token=${t}&x=1`, pieces: [t] })),
    fc.tuple(scheme, token, host, path).map(([sc, t, h, p]) => ({ url: `${sc}://${h}${p}#${t}`, pieces: [t] })),
    // scp-like and ssh:// with a token.
    fc.tuple(user, secret, host, path).map(([u, s, h, p]) => ({ url: `${u}:${s.text}@${h.split(':')[0]}:${p.slice(1)}`, pieces: pieces(s, u) })),
    fc.tuple(user, secret, host, path).map(([u, s, h, p]) => ({ url: `ssh://${u}:${s.text}@${h}${p}`, pieces: pieces(s, u) })),
    // What WHATWG forgives: backslashes, leading blanks, no slashes, newlines inside.
    fc.tuple(user, secret, host, path).map(([u, s, h, p]) => ({ url: `http:\\\\${u}:${s.text}@${h}${p.replaceAll('/', '\\')}`, pieces: pieces(s, u) })),
    fc.tuple(user, secret, host, path).map(([u, s, h, p]) => ({ url: `  http://${u}:${s.text}@${h}${p}`, pieces: pieces(s, u) })),
    fc.tuple(user, secret, host, path).map(([u, s, h, p]) => ({ url: `http:${u}:${s.text}@${h}${p}`, pieces: pieces(s, u) })),
    fc.tuple(user, token, token, host, path).map(([u, a, b, h, p]) => ({ url: `http://${u}:${a}\n${b}@${h}${p}`, pieces: [a, b, `${a}${b}`] })),
  );
}

/** Every text a user or a log can read from an error: message, stack, own properties and causes. */
function readable(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  const own = Object.getOwnPropertyNames(error).map((key) => {
    const value = (error as unknown as Record<string, unknown>)[key];
    return key === 'cause' ? readable(value, depth + 1) : typeof value === 'string' ? value : safeJson(value);
  });
  return [String(error), error.stack ?? '', ...own, error.cause === undefined ? '' : readable(error.cause, depth + 1)].join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function expectNoPieces(text: string, pieces: readonly string[], url: string): void {
  for (const piece of pieces) {
    if (text.includes(piece)) throw new Error(`secret piece ${JSON.stringify(piece)} of ${JSON.stringify(url)} leaked into:\n${text}`);
  }
}

describe('credentials in repository URLs', () => {
  let server: GitServer;
  let closed: Server;
  let closedPort: number;
  let work: string;
  beforeAll(async () => {
    server = await startGitServer({ username: 'flux', password: 'the-real-password' });
    await server.createRepo('private', { 'a.yaml': 'a\n' });
    // A port that accepts and closes every connection at once.
    closed = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as { port: number }).port;
    work = await mkdtemp(join(tmpdir(), 'weft-git-redaction-'));
  });
  afterAll(async () => {
    await server?.stop();
    closed?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const hosts = () => [new URL(server.origin).host, `127.0.0.1:${closedPort}`];

  it('redactUrl and redactSecrets never return a piece of the secret, whatever the form', () => {
    fc.assert(
      fc.property(secretUrls(['example.com', 'git.example.com:8443', '127.0.0.1:1']), ({ url, pieces }) => {
        expectNoPieces(redactUrl(url), pieces, url);
        expectNoPieces(redactSecrets(`failed: ${url} (${url.trim()}) ${encodeURI(url)}`, url), pieces, url);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the readable parts of a clean URL', () => {
    expect(redactUrl('https://bot:token@example.com/app.git')).toBe('https://example.com/app.git');
    expect(redactUrl('https://bot:ab/S3cr3t@example.com/app.git')).toBe('https://***@example.com/app.git');
    expect(redactUrl('https://example.com/app.git?access_token=abc&ref=main#frag')).toBe('https://example.com/app.git?access_token=***&ref=***');
    expect(redactUrl('bot:token@example.com:org/app.git')).toBe('example.com:org/app.git');
    expect(redactUrl('https://example.com/app.git')).toBe('https://example.com/app.git');
  });

  it('no error of a fetch carries a piece of the secret (message, stack, causes, url)', async () => {
    const storage = new ArtifactStorage(join(work, 'artifacts'));
    await fc.assert(
      fc.asyncProperty(secretUrls(hosts()), async ({ url, pieces }) => {
        const error = await fetchArtifact({ url, ref: { branch: 'main' }, timeout: 5000, cacheDir: join(work, 'cache'), storage }).then(
          () => new Error('fetched'),
          (caught: unknown) => caught,
        );
        expectNoPieces(readable(error), pieces, url);
      }),
      { numRuns: 300 },
    );
  });

  it('no status condition, event or thrown error of the GitRepository reconciler carries a piece of the secret', async () => {
    const reconciler = new GitRepositoryReconciler({ storage: new ArtifactStorage(join(work, 'reconciler')), cacheDir: join(work, 'cache') });
    await fc.assert(
      fc.asyncProperty(secretUrls(hosts()), async ({ url, pieces }) => {
        const written: unknown[] = [];
        const events: string[] = [];
        const context = {
          signal: new AbortController().signal,
          client: { patchStatus: async (_kind: unknown, _name: string, body: unknown) => void written.push(body) },
          recorder: { event: (_object: unknown, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) },
        } as unknown as ReconcileContext<GitRepository>;
        const repository: GitRepository = {
          apiVersion: 'source.weft.dev/v1',
          kind: 'GitRepository',
          metadata: { name: 'app', namespace: 'default', generation: 1 },
          spec: { url, interval: '1m', timeout: '5s', ref: { branch: 'main' } },
        };
        const error = await reconciler.reconcile(repository, context).then(
          () => new Error('reconciled'),
          (caught: unknown) => caught,
        );
        expect(written.length).toBeGreaterThan(0);
        expectNoPieces([readable(error), JSON.stringify(written), ...events].join('\n'), pieces, url);
      }),
      { numRuns: 200 },
    );
  });

  it('uses credentials written into the URL, and reports the artifact and errors without them', async () => {
    const url = server.url('private').replace('http://', 'http://flux:the-real-password@');
    const { artifact } = await fetchArtifact({ url, ref: { branch: 'main' }, cacheDir: join(work, 'cache'), storage: new ArtifactStorage(join(work, 'ok')) });
    expect(artifact.url).toBe(server.url('private'));
    expect(await listRemoteRefs(url)).toContainEqual(expect.objectContaining({ ref: 'refs/heads/main' }));
    const missing = await fetchArtifact({ url, ref: { branch: 'nope' }, cacheDir: join(work, 'cache') }).catch((caught: unknown) => caught);
    expect((missing as Error).message).toBe(`${server.url('private')}: branch "nope" not found`);
    expect(readable(missing)).not.toContain('the-real-password');
  });

  it('refuses a URL a parser would send to the wrong host, before any request', async () => {
    const before = server.requests.length;
    const url = `http://bot:ab/S3cr3tPart@${new URL(server.origin).host}/private.git`;
    const error = await fetchArtifact({ url, ref: { branch: 'main' }, cacheDir: join(work, 'cache') }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'InvalidGitUrlError', reason: 'URLInvalid', retryable: false });
    expect((error as Error).message).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/private\.git: invalid repository URL: /);
    expect(readable(error)).not.toContain('S3cr3tPart');
    expect(server.requests.length).toBe(before);
  });
});
