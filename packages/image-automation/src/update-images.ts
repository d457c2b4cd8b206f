import fs from 'node:fs';
import { type GitAuth, writeBack } from '@weft/git-source';
import * as git from 'isomorphic-git';
import { DEFAULT_MESSAGE_TEMPLATE, commitTemplateData, renderTemplate } from './commit-message.js';
import { ImageAutomationError } from './errors.js';
import { applySetters } from './setters/apply-setters.js';
import type { PolicyRefs, SetterChange } from './setters/rewrite-setters.js';

/** Options of {@link updateImages}. */
export interface UpdateImagesOptions {
  /** The git repository (smart HTTP(S)). */
  readonly url: string;
  readonly auth?: GitAuth;
  /** The branch to check out (Flux's `git.checkout.ref.branch`). */
  readonly branch: string;
  /** Push to this branch instead (Flux's `git.push.branch`); created from `branch` when missing, else the change goes on top of it. */
  readonly pushBranch?: string;
  /**
   * One branch per update (Weft's `git.push.branchTemplate`): a Go template rendered over the
   * update's data; takes precedence over `pushBranch`. The update is computed on `branch` first,
   * then committed on the rendered branch.
   */
  readonly branchTemplate?: string;
  readonly author: { readonly name?: string; readonly email: string };
  /** Go template of the commit message; default Flux's ({@link DEFAULT_MESSAGE_TEMPLATE}). */
  readonly messageTemplate?: string;
  readonly messageTemplateValues?: Readonly<Record<string, string>>;
  /** Names the automation in messages: `.AutomationObject`. */
  readonly automation: { readonly namespace: string; readonly name: string };
  /** Flux's `update.path`; default the whole repository. */
  readonly path?: string;
  readonly policies: PolicyRefs;
  /** Push attempts when the branch moved meanwhile (non-fast-forward); default 3. */
  readonly attempts?: number;
  /** Per git operation; Go duration or ms. */
  readonly timeout?: string | number;
  readonly signal?: AbortSignal;
}

/** What {@link updateImages} did. */
export interface UpdateImagesResult {
  /** The commit pushed, or `undefined` when nothing changed. */
  readonly commit: string | undefined;
  /** The branch pushed to (or that would have been). */
  readonly branch: string;
  /** `branch@sha1:<commit>` of the checkout the update started from. */
  readonly sourceRevision: string | undefined;
  readonly changes: readonly SetterChange[];
  readonly files: readonly string[];
  /** The commit message, when there was a commit. */
  readonly message: string | undefined;
  readonly attempts: number;
}

/**
 * One run of image update automation: check out a branch, rewrite the setter markers under
 * `path` to the policies' refs, and commit and push the result — Flux's ImageUpdateAutomation
 * as a plain function, on git-source's `writeBack`.
 *
 * @remarks
 * Guarantees: nothing is committed when no marker changes; a push rejected because the branch
 * moved is redone on the fresh head (up to `attempts`); a failed push leaves the remote as it
 * was (git updates a ref only when the whole pack was received); each attempt works in a fresh
 * temporary checkout that is removed afterwards. Commits are not signed.
 *
 * @throws {@link SetterError} for a marked file that is not YAML, {@link TemplateError} for a bad template,
 * and git-source's errors (`GitAuthError`, `GitFetchError`, `WriteBackConflictError`, …) from the transfer.
 * @example
 * ```ts
 * import { updateImages } from '@weft/image-automation';
 * const result = await updateImages({
 *   url, branch: 'main', author: { name: 'weft', email: 'weft@example.com' },
 *   automation: { namespace: 'apps', name: 'web' }, path: './deploy',
 *   policies: new Map([['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }]]),
 * });
 * console.log(result.commit ?? 'up to date');
 * ```
 */
export async function updateImages(options: UpdateImagesOptions): Promise<UpdateImagesResult> {
  const template = options.messageTemplate?.trim() ? options.messageTemplate : DEFAULT_MESSAGE_TEMPLATE;
  const values = options.messageTemplateValues ?? {};
  const common = {
    url: options.url,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    author: { name: options.author.name ?? 'weft-image-automation', email: options.author.email },
  };
  let pushBranch = options.pushBranch ?? options.branch;
  let sourceRevision: string | undefined;
  if (options.branchTemplate) {
    // The branch name depends on the update: compute it on the checkout branch first.
    let planned: readonly SetterChange[] = [];
    await writeBack({
      ...common,
      branch: options.branch,
      message: 'not committed',
      change: async (dir) => {
        sourceRevision = `${options.branch}@sha1:${await git.resolveRef({ fs, dir, ref: 'HEAD' })}`;
        planned = (await applySetters(dir, { policies: options.policies, ...(options.path !== undefined ? { path: options.path } : {}), ...(options.signal ? { signal: options.signal } : {}) })).changes;
        return false;
      },
    });
    if (planned.length === 0) return { commit: undefined, branch: options.branch, sourceRevision, changes: [], files: [], message: undefined, attempts: 1 };
    pushBranch = renderTemplate(options.branchTemplate, commitTemplateData(options.automation, planned, values), 'git.push.branchTemplate').trim();
    if (!isBranchName(pushBranch)) {
      throw new ImageAutomationError('git.push.branchTemplate', `rendered ${JSON.stringify(pushBranch)}, which is not a branch name`, { reason: 'InvalidTemplate' });
    }
  }
  let changes: readonly SetterChange[] = [];
  let files: readonly string[] = [];
  let message: string | undefined;
  const result = await writeBack({
    ...common,
    branch: options.branch,
    pushBranch,
    // writeBack reads the message after `change`, so it can describe what changed.
    get message() {
      return message ?? '';
    },
    change: async (dir) => {
      const head = await git.resolveRef({ fs, dir, ref: 'HEAD' });
      sourceRevision ??= `${options.branch}@sha1:${head}`;
      const applied = await applySetters(dir, { policies: options.policies, ...(options.path !== undefined ? { path: options.path } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      changes = applied.changes;
      files = applied.files;
      if (changes.length === 0) return false;
      message = renderTemplate(template, commitTemplateData(options.automation, changes, values));
      return true;
    },
  });
  if (result.commit === undefined) return { commit: undefined, branch: result.branch, sourceRevision, changes: [], files: [], message: undefined, attempts: result.attempts };
  return { commit: result.commit, branch: result.branch, sourceRevision, changes, files, message, attempts: result.attempts };
}

/** git check-ref-format's rules for a branch name. */
export function isBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\//.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}
