import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGitServer, type GitServer, type TestRepo } from '@weft/testkit';
import { ArtifactStorage, GitVerificationError, fetchArtifact, type GitRef, type VerifyOptions } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
let work: string;
let repo: TestRepo;
let trustedKey: string;
let otherKey: string;
let signedCommit: string;

function gpg(...args: string[]): string {
  return execFileSync('gpg', ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
    env: server.gitEnv,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
}

function generateKey(uid: string): string {
  gpg('--quick-gen-key', uid, 'ed25519', 'sign', 'never');
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-secret-keys', uid))![1]!;
  return fingerprint;
}

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'weft-git-verify-'));
  await mkdir(server.gitEnv.GNUPGHOME!, { recursive: true, mode: 0o700 });
  const trusted = generateKey('Trusted Signer <trusted@weft.dev>');
  const other = generateKey('Other Signer <other@weft.dev>');
  trustedKey = gpg('--armor', '--export', trusted);
  otherKey = gpg('--armor', '--export', other);
  repo = await server.createRepo('signed', { 'a.yaml': 'a: 1\n' });
  await repo.git('config', 'user.signingkey', trusted);
  signedCommit = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'signed change', { sign: true });
  await repo.git('tag', '-s', 'v1.0.0', '-m', 'signed release');
  await repo.git('tag', '-a', 'v1.0.1', '-m', 'unsigned annotated release');
  await repo.git('tag', 'v1.0.2');
  await repo.git('push', '--quiet', 'origin', '--tags');
  await repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/signed');
  await repo.commit({ 'a.yaml': 'a: 3\n' }, 'unsigned change', { branch: 'unsigned' });
});
afterAll(async () => {
  if (server) execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: server.gitEnv });
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

const fetchVerified = (ref: GitRef, verify: VerifyOptions) =>
  fetchArtifact({ url: repo.url, ref, verify, cacheDir: join(work, 'cache'), storage: new ArtifactStorage(join(work, 'a')) });

describe('OpenPGP verification (spec.verify)', () => {
  it('accepts a commit signed by a trusted key (HEAD)', async () => {
    const { artifact } = await fetchVerified({ branch: 'signed' }, { mode: 'HEAD', publicKeys: [otherKey, trustedKey] });
    expect(artifact.revision).toBe(`signed@sha1:${signedCommit}`);
    expect(artifact.verifiedBy).toHaveLength(1);
  });

  it('refuses an unsigned commit and a commit signed by an untrusted key', async () => {
    await expect(fetchVerified({ branch: 'unsigned' }, { mode: 'HEAD', publicKeys: [trustedKey] })).rejects.toThrow(
      /commit [0-9a-f]{40} is not signed/,
    );
    const error = await fetchVerified({ branch: 'signed' }, { mode: 'head', publicKeys: [otherKey] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitVerificationError);
    expect((error as Error).message).toMatch(/does not verify against any trusted key/);
  });

  it('verifies signed tags (Tag, TagAndHEAD) and refuses unsigned or lightweight ones', async () => {
    expect((await fetchVerified({ tag: 'v1.0.0' }, { mode: 'Tag', publicKeys: [trustedKey] })).artifact.verifiedBy).toHaveLength(1);
    expect((await fetchVerified({ tag: 'v1.0.0' }, { mode: 'TagAndHEAD', publicKeys: [trustedKey] })).artifact.verifiedBy).toHaveLength(2);
    await expect(fetchVerified({ tag: 'v1.0.1' }, { mode: 'Tag', publicKeys: [trustedKey] })).rejects.toThrow(/tag v1.0.1 is not signed/);
    await expect(fetchVerified({ tag: 'v1.0.2' }, { mode: 'Tag', publicKeys: [trustedKey] })).rejects.toThrow(/needs an annotated tag/);
  });

  it('fails clearly when the secret holds no key', async () => {
    await expect(fetchVerified({ branch: 'signed' }, { mode: 'HEAD', publicKeys: ['not a key'] })).rejects.toThrow(
      /no OpenPGP public key found/,
    );
  });
});
