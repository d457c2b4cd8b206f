import { type OperatorFunction, map } from 'rxjs';
import { type TagSelector, compileTagSelector } from '../policy/select-latest-tag.js';
import type { TagSelectionSpec } from '../policy/types.js';
import type { ScanOutcome } from './scan-repository.js';

/** What {@link latestTag} emits for each tag list. */
export type LatestTagOutcome = { readonly ok: true; readonly tag: string } | { readonly ok: false; readonly error: Error };

/**
 * An rxjs operator that selects the latest tag of each tag list (or successful
 * {@link scanRepository} outcome) with {@link selectLatestTag}'s rules.
 *
 * @remarks
 * The spec is compiled once. An invalid spec, or a list where nothing qualifies, is emitted as
 * `{ ok: false }`; a failed scan is passed on as its error, selecting from its stored tags when
 * there are some. Add `distinctUntilChanged` to see only changes.
 *
 * @example
 * ```ts
 * import { latestTag } from '@weft/image-automation';
 * scans$.pipe(latestTag({ policy: { semver: { range: '^1' } } })).subscribe((latest) => latest.ok && console.log(latest.tag));
 * ```
 */
export function latestTag(spec: TagSelectionSpec): OperatorFunction<readonly string[] | ScanOutcome, LatestTagOutcome> {
  let selector: TagSelector | Error;
  try {
    selector = compileTagSelector(spec);
  } catch (error) {
    selector = error as Error;
  }
  return map((input): LatestTagOutcome => {
    if (selector instanceof Error) return { ok: false, error: selector };
    let tags: readonly string[];
    if (Array.isArray(input)) tags = input;
    else {
      const scan = input as ScanOutcome;
      if (!scan.ok && scan.storedTags.length === 0) return { ok: false, error: scan.error };
      tags = scan.ok ? scan.tags : scan.storedTags;
    }
    try {
      return { ok: true, tag: selector.select(tags) };
    } catch (error) {
      return { ok: false, error: error as Error };
    }
  });
}
