import {
  type KubeObject,
  type ReconcileContext,
  type ResourceKind,
  type StatusWithConditions,
  getCondition,
  markNotReady,
  markReady,
  markReconciling,
  markStalled,
} from '@weft/reconcile-core';
import { requestedAt } from './requested-at.js';

type Status = StatusWithConditions & { lastHandledReconcileAt?: string };

/**
 * The status one reconcile builds and writes: the object's current status to start from, the
 * kstatus transitions Flux's controllers make, and events only when `Ready` says something new.
 */
export class StatusUpdate<S extends Status> {
  status: S;
  readonly before: S;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number | undefined;

  constructor(
    private readonly kind: ResourceKind<any>,
    private readonly object: KubeObject & { status?: S },
    private readonly context: ReconcileContext<any>,
  ) {
    this.before = object.status ?? ({} as S);
    this.status = { ...this.before };
    this.namespace = object.metadata.namespace ?? 'default';
    this.name = object.metadata.name ?? '';
    this.generation = object.metadata.generation;
    const requested = requestedAt(object);
    if (requested !== undefined) this.status.lastHandledReconcileAt = requested;
  }

  /** Writes the status (a merge patch of the status subresource). */
  async write(): Promise<void> {
    await this.context.client.patchStatus(this.kind, this.name, { status: this.status }, { namespace: this.namespace, signal: this.context.signal });
  }

  /** `Reconciling=True` for a new generation, as Flux's controllers persist before working. */
  progressing(message?: string): void {
    if (this.before.observedGeneration === this.generation) return;
    const text = message ?? `processing object: new generation ${this.before.observedGeneration ?? 0} -> ${this.generation ?? 0}`;
    this.status = markReconciling(this.status, { reason: 'Progressing', message: text, generation: this.generation }) as S;
  }

  /** `Stalled=True`, `Ready=False`: nothing changes until the spec does. Written, with a warning event. */
  async stall(reason: string, message: string): Promise<void> {
    this.status = markStalled(this.status, { reason, message, generation: this.generation }) as S;
    await this.write();
    this.context.recorder?.event(this.object, 'Warning', reason, message);
  }

  /** `Ready=False` with `Reconciling=True` (retrying). Written; a warning event when the message is new. */
  async notReady(reason: string, message: string): Promise<void> {
    this.status = markNotReady(this.status, { reason, message, generation: this.generation }) as S;
    await this.write();
    if (getCondition(this.before.conditions, 'Ready')?.message !== message) this.context.recorder?.event(this.object, 'Warning', reason, message);
  }

  /** `Ready=True` (`Succeeded`). Written; a normal event when it was not Ready with this message before. */
  async ready(message: string, event = true): Promise<void> {
    this.status = markReady(this.status, { reason: 'Succeeded', message, generation: this.generation }) as S;
    await this.write();
    const was = getCondition(this.before.conditions, 'Ready');
    if (event && (was?.status !== 'True' || was.message !== message)) this.context.recorder?.event(this.object, 'Normal', 'Succeeded', message);
  }
}
