import fs from 'node:fs';
import * as git from 'isomorphic-git';
import * as openpgp from 'openpgp';
import { GitVerificationError } from '../errors.js';

/** Flux's `spec.verify.mode`. `head` is accepted as an alias of `HEAD`. */
export type VerifyMode = 'HEAD' | 'head' | 'Tag' | 'TagAndHEAD';

/** Options of {@link verifySignatures}. */
export interface VerifyOptions {
  mode: VerifyMode;
  /** Armored OpenPGP public keys of trusted signers (Flux reads every value of the Secret). */
  publicKeys: readonly string[];
}

/**
 * Verifies the OpenPGP signature of the commit and/or the annotated tag, as Flux's
 * `spec.verify` does.
 *
 * @remarks
 * `HEAD` checks the commit; `Tag` the tag object; `TagAndHEAD` both. `Tag` modes need
 * an annotated tag (lightweight tags carry no signature). The signed payload is the
 * object without its signature header, exactly as git signs it.
 *
 * @returns the key id (hex) of the key that made each checked signature.
 * @throws {@link GitVerificationError} when a signature is missing or made by an untrusted key, or no key parses.
 * @example
 * ```ts
 * import { verifySignatures } from '@weft/git-source';
 * await verifySignatures(url, gitdir, { commit }, { mode: 'HEAD', publicKeys: [armoredKey] });
 * ```
 */
export async function verifySignatures(
  url: string,
  gitdir: string,
  target: { commit: string; tagObject?: string },
  options: VerifyOptions,
): Promise<string[]> {
  const keys = await readKeys(url, options.publicKeys);
  const signers: string[] = [];
  const checkTag = options.mode === 'Tag' || options.mode === 'TagAndHEAD';
  const checkCommit = options.mode === 'HEAD' || options.mode === 'head' || options.mode === 'TagAndHEAD';
  if (checkTag) {
    if (target.tagObject === undefined) {
      throw new GitVerificationError(url, `verify mode ${options.mode} needs an annotated tag, but the reference is not one`);
    }
    const { tag, payload } = await git.readTag({ fs, gitdir, oid: target.tagObject });
    signers.push(await checkSignature(url, `tag ${tag.tag}`, payload, tag.gpgsig, keys));
  }
  if (checkCommit) {
    const { commit, payload } = await git.readCommit({ fs, gitdir, oid: target.commit });
    signers.push(await checkSignature(url, `commit ${target.commit}`, payload, commit.gpgsig, keys));
  }
  return signers;
}

async function readKeys(url: string, armored: readonly string[]): Promise<openpgp.PublicKey[]> {
  const keys: openpgp.PublicKey[] = [];
  for (const text of armored) {
    try {
      keys.push(...(await openpgp.readKeys({ armoredKeys: text })));
    } catch {
      // A value that is not a key (e.g. a README in the Secret) is skipped, as Flux does.
    }
  }
  if (keys.length === 0) throw new GitVerificationError(url, 'no OpenPGP public key found in the verification secret');
  return keys;
}

async function checkSignature(
  url: string,
  what: string,
  payload: string,
  signature: string | undefined,
  keys: openpgp.PublicKey[],
): Promise<string> {
  if (signature === undefined || signature === '') throw new GitVerificationError(url, `${what} is not signed`);
  let result: Awaited<ReturnType<typeof openpgp.verify>>;
  try {
    result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: new TextEncoder().encode(payload) }),
      signature: await openpgp.readSignature({ armoredSignature: signature }),
      verificationKeys: keys,
      expectSigned: false,
    });
  } catch (error) {
    throw new GitVerificationError(url, `${what} has an unreadable signature: ${(error as Error).message}`);
  }
  for (const item of result.signatures) {
    try {
      await item.verified;
      return item.keyID.toHex();
    } catch {
      // try the next signature
    }
  }
  const ids = result.signatures.map((s) => s.keyID.toHex()).join(', ');
  throw new GitVerificationError(url, `${what} signature (key ${ids}) does not verify against any trusted key`);
}
