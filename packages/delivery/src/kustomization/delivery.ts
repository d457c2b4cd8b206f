import type { ApplyOutcome, BuildOutcome, PipelineOutcome } from '@weft/drift';
import type { KubeClient } from '@weft/reconcile-core';
import { Subject, type Subscription } from 'rxjs';
import { deliveryPipeline, type DeliveryPipelineOptions } from '../pipeline.js';
import type { SourceRevision } from '../source.js';

/** What one revision pushed through a Kustomization's pipeline came to: its build failure, or its apply outcome. */
export type DeliveryResult = Exclude<BuildOutcome, { ok: true }> | ApplyOutcome;

/**
 * One Kustomization's running {@link deliveryPipeline}: the reconciler pushes a revision in and
 * waits for what became of it; drift correction of the applied revision goes on between
 * reconciles, reported to `onDrift`.
 */
export class KustomizationDelivery {
  private readonly input = new Subject<SourceRevision>();
  private readonly subscription: Subscription;
  private waiting: ((result: DeliveryResult) => void) | undefined;
  private failure: unknown;

  constructor(
    client: KubeClient,
    /** What the pipeline was built for: a reconcile with other settings needs a new one. */
    readonly settings: string,
    options: DeliveryPipelineOptions,
    onDrift: (outcome: PipelineOutcome) => void,
  ) {
    this.subscription = this.input.pipe(deliveryPipeline(client, options)).subscribe({
      next: (outcome) => {
        if (outcome.stage === 'drift') onDrift(outcome);
        else this.waiting?.(outcome as DeliveryResult);
      },
      // Only an ignore rule that does not parse errors the stream; the reconciler checks them first.
      error: (error: unknown) => {
        this.failure = error;
        onDrift({ ok: false, stage: 'drift', error: error instanceof Error ? error : new Error(String(error)) });
      },
    });
  }

  /** Whether the pipeline stopped (it cannot take revisions any more). */
  get stopped(): boolean {
    return this.subscription.closed || this.failure !== undefined;
  }

  /**
   * Builds and applies one revision; resolves with its build failure or its apply outcome.
   * @throws the signal's reason when it aborts first (the revision's work is aborted with it: close this delivery).
   */
  deliver(source: SourceRevision, signal: AbortSignal): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting = undefined;
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting = (result) => {
        this.waiting = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      this.input.next(source);
    });
  }

  /** Stops the pipeline: its build or apply in flight and its drift correction. */
  close(): void {
    this.subscription.unsubscribe();
    this.input.complete();
  }
}
