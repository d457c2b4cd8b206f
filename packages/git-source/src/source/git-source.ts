import { parseDuration, sleep } from '@weft/reconcile-core';
import { Observable, type Subscription, filter, map } from 'rxjs';
import { type FetchArtifactOptions, type GitArtifact, type IncludedArtifact, fetchArtifact } from '../artifact/artifact.js';
import { GitSourceError, isGitSourceError } from '../errors.js';

/** An included source for {@link gitSource}: another stream of artifacts. */
export interface IncludedSource {
  source: Observable<GitArtifact>;
  fromPath?: string;
  toPath: string;
}

/** Options of {@link gitSource}. */
export interface GitSourceOptions extends Omit<FetchArtifactOptions, 'include'> {
  /** How often to poll the remote (Go duration or ms); Flux's `spec.interval`. Default `1m`. */
  interval?: string | number;
  /** Emits to poll immediately (a webhook receiver, a manual trigger). */
  trigger?: Observable<unknown>;
  /** Other sources whose artifacts are copied in; the first fetch waits for each to emit once. */
  include?: readonly IncludedSource[];
}

/** What one poll of {@link gitSourceEvents} produced. */
export type GitSourceEvent =
  | { type: 'artifact'; artifact: GitArtifact }
  | { type: 'unchanged'; artifact: GitArtifact }
  | { type: 'error'; error: GitSourceError | Error; retryable: boolean };

/**
 * Polls a git repository and emits an artifact for each new revision: the stream form
 * of Flux's GitRepository.
 *
 * @remarks
 * Emits once at start (after includes are available), then whenever the remote ref moves,
 * an included source emits, or `trigger` fires. An unchanged poll costs one ref
 * advertisement request. Failures do not end the stream: the last good artifact stays
 * current and the poll is retried with exponential backoff (capped at `interval`); use
 * {@link gitSourceEvents} to see them. Unsubscribing aborts any fetch in flight.
 *
 * @example
 * ```ts
 * import { gitSource } from '@weft/git-source';
 * gitSource({ url, ref: { branch: 'main' }, interval: '1m' })
 *   .subscribe((artifact) => console.log(artifact.revision));
 * ```
 */
export function gitSource(options: GitSourceOptions): Observable<GitArtifact> {
  return gitSourceEvents(options).pipe(
    filter((event): event is Extract<GitSourceEvent, { type: 'artifact' }> => event.type === 'artifact'),
    map((event) => event.artifact),
  );
}

/**
 * Like {@link gitSource}, but emits every poll's outcome: new artifacts, unchanged polls
 * and failures (as values).
 *
 * @example
 * ```ts
 * import { gitSourceEvents } from '@weft/git-source';
 * gitSourceEvents(options).subscribe((event) => { if (event.type === 'error') console.warn(event.error.message); });
 * ```
 */
export function gitSourceEvents(options: GitSourceOptions): Observable<GitSourceEvent> {
  const intervalMs = parseDuration(options.interval ?? '1m');
  return new Observable<GitSourceEvent>((subscriber) => {
    const controller = new AbortController();
    const subscriptions: Subscription[] = [];
    // Aborted by a poke (a trigger, an included source's new artifact) to cut a wait short.
    let wake = new AbortController();
    let pending = false;
    const poke = () => {
      pending = true;
      wake.abort();
    };
    const included = new Map<number, GitArtifact>();
    (options.include ?? []).forEach((include, index) => {
      subscriptions.push(
        include.source.subscribe({
          next: (artifact) => {
            included.set(index, artifact);
            poke();
          },
        }),
      );
    });
    if (options.trigger) subscriptions.push(options.trigger.subscribe({ next: poke }));

    /** Waits `ms` (any length), or less when poked or unsubscribed. */
    const rest = async (ms: number) => {
      if (pending || controller.signal.aborted) return;
      wake = new AbortController();
      await sleep(ms, AbortSignal.any([controller.signal, wake.signal]));
    };

    void (async () => {
      let previous: GitArtifact | undefined;
      let failures = 0;
      const includes = options.include ?? [];
      while (!controller.signal.aborted) {
        pending = false;
        if (included.size < includes.length) {
          await rest(intervalMs);
          continue;
        }
        try {
          const include: IncludedArtifact[] = includes.map((spec, index) => ({
            artifact: included.get(index)!,
            toPath: spec.toPath,
            ...(spec.fromPath !== undefined ? { fromPath: spec.fromPath } : {}),
          }));
          const { include: _ignored, interval: _interval, trigger: _trigger, ...fetchOptions } = options;
          const result = await fetchArtifact(
            { ...fetchOptions, include },
            { ...(previous ? { previous } : {}), signal: controller.signal },
          );
          failures = 0;
          if (result.changed || previous === undefined) subscriber.next({ type: 'artifact', artifact: result.artifact });
          else subscriber.next({ type: 'unchanged', artifact: result.artifact });
          previous = result.artifact;
          await rest(intervalMs);
        } catch (error) {
          if (controller.signal.aborted) break;
          failures++;
          const retryable = isGitSourceError(error) ? error.retryable : true;
          subscriber.next({ type: 'error', error: error as Error, retryable });
          await rest(Math.min(intervalMs, 1000 * 2 ** Math.min(failures - 1, 10)));
        }
      }
    })();

    return () => {
      controller.abort();
      for (const subscription of subscriptions) subscription.unsubscribe();
    };
  });
}
