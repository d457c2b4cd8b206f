import { type GoRegexp, compileGoRegexp } from './go-regexp.js';
import { ImageAutomationError } from './errors.js';
import type { ImageReference } from './image-reference.js';
import type { RegistryClient } from './registry/registry-client.js';

/** Flux's default `exclusionList`: cosign signature tags. */
export const DEFAULT_EXCLUSION_LIST: readonly string[] = ['^.*\\.sig$'];

/** A pattern of `exclusionList` that Go's regexp refuses. Not retryable until the spec changes. */
export class ExclusionListError extends ImageAutomationError {
  override name = 'ExclusionListError';
  constructor(pattern: string, message: string) {
    super(`exclusionList ${JSON.stringify(pattern)}`, `failed to compile regex: ${message}`, { reason: 'ReadOperationFailed' });
  }
}

/**
 * Compiles an `exclusionList` (Go regexps); an empty or missing list means Flux's default.
 *
 * @throws {@link ExclusionListError} for a pattern Go refuses.
 */
export function compileExclusions(exclusionList: readonly string[] | undefined): GoRegexp[] {
  const patterns = exclusionList && exclusionList.length > 0 ? exclusionList : DEFAULT_EXCLUSION_LIST;
  return patterns.map((pattern) => {
    try {
      return compileGoRegexp(pattern);
    } catch (error) {
      throw new ExclusionListError(pattern, (error as Error).message);
    }
  });
}

/**
 * Lists a repository's tags, drops the excluded ones and sorts the rest as Flux stores them
 * (descending by name).
 *
 * @example
 * ```ts
 * import { compileExclusions, parseImageReference, scanTags } from '@weft/image-automation';
 * const tags = await scanTags(client, parseImageReference(image), compileExclusions(undefined));
 * ```
 */
export async function scanTags(client: RegistryClient, reference: ImageReference, exclusions: readonly GoRegexp[], signal?: AbortSignal): Promise<string[]> {
  const listed = await client.listTags(reference, signal ? { signal } : {});
  const tags = listed.filter((tag) => !exclusions.some((exclusion) => exclusion.test(tag)));
  return tags.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}
