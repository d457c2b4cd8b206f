import { NoTagSelectedError } from '../errors.js';

/** One policy compiled: it names itself for errors and picks the latest of some candidates. */
export interface TagOrder {
  /** How errors name the policy: `semver policy ">=1.0"`. */
  readonly describe: string;
  /**
   * The winning candidate, as written.
   * @throws {@link NoTagSelectedError} when none qualifies.
   */
  latest(candidates: readonly string[]): string;
}

/** Flux's message for an empty candidate list. */
export function emptyList(describe: string): NoTagSelectedError {
  return new NoTagSelectedError(describe, 'version list argument cannot be empty');
}
