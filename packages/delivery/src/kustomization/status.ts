import { type ConditionInput, type ReconcileContext, removeCondition, setCondition } from '@weft/reconcile-core';
import { type Kustomization, KustomizationKind, type KustomizationStatus } from './kustomization.js';

/**
 * The status one reconcile of a Kustomization builds up and writes, and the resourceVersions its
 * own writes produced (so the reconcile they trigger can be recognised).
 */
export class KustomizationStatusWriter {
  /** The status as this reconcile has it so far (a copy of the object's). */
  readonly current: KustomizationStatus;
  private readonly written: Set<string>;

  constructor(
    private readonly kustomization: Kustomization,
    private readonly context: ReconcileContext<Kustomization>,
  ) {
    this.current = { ...(kustomization.status ?? {}) };
    this.written = new Set(kustomization.metadata.resourceVersion ? [kustomization.metadata.resourceVersion] : []);
  }

  /** The object's resourceVersion at the start and after each of this reconcile's writes. */
  get resourceVersions(): ReadonlySet<string> {
    return this.written;
  }

  /** Sets a condition (kstatus: its transition time is kept while its status stays). */
  set(condition: Omit<ConditionInput, 'observedGeneration'>): void {
    this.current.conditions = setCondition(this.current.conditions, { ...condition, observedGeneration: this.kustomization.metadata.generation });
  }

  /** Removes conditions (negative-polarity ones are present only while True). */
  remove(...types: string[]): void {
    this.current.conditions = removeCondition(this.current.conditions, ...types);
  }

  /** Writes the status through the status subresource (a merge patch: `conflicts` is cleared with null when gone). */
  async write(): Promise<void> {
    const status = { ...this.current, conflicts: this.current.conflicts ?? null };
    const patched = await this.context.client.patchStatus(KustomizationKind, this.kustomization.metadata.name, { status }, { namespace: this.kustomization.metadata.namespace ?? 'default', signal: this.context.signal });
    if (patched.metadata.resourceVersion) this.written.add(patched.metadata.resourceVersion);
  }
}
