import { setMaxListeners } from 'node:events';
import { Observable, type OperatorFunction, switchMap } from 'rxjs';

/**
 * The shape every stream stage of this package shares: each input starts `work` with a fresh
 * `AbortSignal`; a newer input aborts the older work (`switchMap`), failures are emitted as
 * values, and unsubscribing aborts the work in flight.
 */
export function abortableStage<I, O>(work: (input: I, signal: AbortSignal) => Promise<O>, failure: (input: I, error: Error) => O): OperatorFunction<I, O> {
  return switchMap(
    (input: I) =>
      new Observable<O>((subscriber) => {
        const controller = new AbortController();
        setMaxListeners(0, controller.signal);
        work(input, controller.signal).then(
          (output) => {
            subscriber.next(output);
            subscriber.complete();
          },
          (error: unknown) => {
            if (!controller.signal.aborted) subscriber.next(failure(input, error instanceof Error ? error : new Error(String(error))));
            subscriber.complete();
          },
        );
        return () => controller.abort(new Error('superseded or unsubscribed'));
      }),
  );
}
