import { type Observable, type OperatorFunction, defer, finalize } from 'rxjs';
import type { GoRegexp } from '../go-regexp.js';
import { type ImageReference, parseImageReference } from '../image-reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { compileExclusions, scanTags } from '../scan-tags.js';
import type { TagStore } from '../tag-store.js';
import { tagsRevision } from '../tag-store.js';
import { abortableStage } from './abortable.js';

/** Options of {@link scanRepository}. */
export interface ScanRepositoryOptions extends RegistryClientOptions {
  /** Go regexps of tags to drop; default `['^.*\\.sig$']`. */
  readonly exclusionList?: readonly string[];
  /** Keep each scan here, and report the stored tags when a scan fails. */
  readonly tagStore?: TagStore;
}

/** What {@link scanRepository} emits for each image: the tags (descending by name) or the failure. */
export type ScanOutcome =
  | { readonly ok: true; readonly image: string; readonly tags: readonly string[]; readonly revision: string }
  | { readonly ok: false; readonly image: string; readonly error: Error; readonly storedTags: readonly string[] };

/**
 * An rxjs operator that scans an image repository for each image name it receives: lists the
 * tags, drops the excluded ones and sorts them as Flux stores them (descending by name).
 *
 * @remarks
 * Newest input wins: a new image aborts the scan in flight. Failures (registry, auth, timeout,
 * an invalid name) are emitted as `{ ok: false }` with the last stored tags, never as stream
 * errors. Unsubscribing aborts the scan and closes the registry connections. Poll by feeding it
 * an interval: `interval(60_000).pipe(startWith(0), map(() => image), scanRepository(options))`.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { scanRepository } from '@weft/image-automation';
 * of(image).pipe(scanRepository({ timeout: '30s' })).subscribe((scan) => scan.ok && console.log(scan.tags.length));
 * ```
 */
export function scanRepository(options: ScanRepositoryOptions = {}): OperatorFunction<string | ImageReference, ScanOutcome> {
  return (source: Observable<string | ImageReference>) =>
    defer(() => {
      const client = new RegistryClient(options);
      let exclusions: GoRegexp[] | Error;
      try {
        exclusions = compileExclusions(options.exclusionList);
      } catch (error) {
        exclusions = error as Error;
      }
      const scan = async (image: string | ImageReference, signal: AbortSignal): Promise<ScanOutcome> => {
        const name = typeof image === 'string' ? image : image.canonicalName;
        let reference: ImageReference | undefined;
        try {
          if (exclusions instanceof Error) throw exclusions;
          reference = typeof image === 'string' ? parseImageReference(image, { insecure: options.insecure ?? false }) : image;
          const tags = await scanTags(client, reference, exclusions, signal);
          const revision = options.tagStore ? await options.tagStore.setTags(reference.canonicalName, tags) : tagsRevision(tags);
          return { ok: true, image: reference.canonicalName, tags, revision };
        } catch (error) {
          if (signal.aborted) throw error;
          const storedTags = reference && options.tagStore ? await options.tagStore.tags(reference.canonicalName).catch(() => []) : [];
          return { ok: false, image: reference?.canonicalName ?? name, error: error as Error, storedTags };
        }
      };
      return source.pipe(
        abortableStage<string | ImageReference, ScanOutcome>(scan, (image, error) => ({ ok: false, image: typeof image === 'string' ? image : image.canonicalName, error, storedTags: [] })),
        finalize(() => void client.close()),
      );
    });
}
