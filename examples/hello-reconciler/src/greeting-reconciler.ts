import {
  ConfigMapKind,
  type ObjectOf,
  type ReconcileContext,
  Reconciler,
  type Result,
  TerminalError,
  isControlledBy,
  isNotFoundError,
  markReady,
  markStalled,
  requeueAfter,
  setControllerReference,
  writeStatus,
} from '@weft/reconcile-core';
import { configMapNameOf, type Greeting, GreetingKind, greetingText } from './greeting.js';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

/** The field manager of every write this reconciler makes. */
export const fieldManager = 'hello-reconciler';

/**
 * Makes a ConfigMap hold each Greeting's text, and reports it in the Greeting's status.
 *
 * - The ConfigMap is owned by the Greeting (a controller owner reference), so the controller's
 *   `.owns(ConfigMapKind)` reconciles the Greeting again when someone edits or deletes it, and
 *   Kubernetes' garbage collector deletes it with the Greeting.
 * - `Ready=True` with `observedGeneration` once the ConfigMap is written; `Stalled=True` (and a
 *   {@link TerminalError}: retrying cannot help) when the ConfigMap name is taken by an object
 *   this Greeting does not own.
 * - A finalizer (managed by the controller because `finalize` exists) deletes the ConfigMap
 *   before the Greeting goes away, and records an event.
 * - `requeueAfter(spec.interval)`: check again periodically, even when nothing changed.
 */
export class GreetingReconciler extends Reconciler<Greeting> {
  override async reconcile(greeting: Greeting, ctx: ReconcileContext<Greeting>): Promise<Result> {
    const namespace = greeting.metadata.namespace!;
    const name = configMapNameOf(greeting);
    const text = greetingText(greeting);

    const existing = await ctx.client.get(ConfigMapKind, name, { namespace, signal: ctx.signal }).catch((error: unknown) => {
      if (isNotFoundError(error)) return undefined;
      throw error; // anything else is retried with per-key backoff
    });
    if (existing && !isControlledBy(existing, greeting)) {
      const message = `ConfigMap ${namespace}/${name} exists and is not owned by this Greeting`;
      const stalled = markStalled(greeting.status, { reason: 'ConfigMapTaken', message, generation: greeting.metadata.generation });
      await writeStatus(ctx.client, greeting, stalled, { kind: GreetingKind, fieldManager, signal: ctx.signal });
      ctx.recorder?.event(greeting, 'Warning', 'ConfigMapTaken', message);
      // Not retried until the Greeting (or its ConfigMap) changes.
      throw new TerminalError(`Greeting/${namespace}/${greeting.metadata.name}: ${message}`);
    }

    // Server-side apply: idempotent, and it only touches the fields this manager owns.
    await ctx.client.apply(desiredConfigMap(greeting, name, text), { fieldManager, force: true, signal: ctx.signal });

    // Written only when it changed: a write that changes nothing would be one more event, one more reconcile.
    const ready = markReady(greeting.status, { reason: 'Greeted', message: `wrote ${text}`, generation: greeting.metadata.generation });
    const written = await writeStatus(ctx.client, greeting, { ...ready, configMap: `${namespace}/${name}`, greeting: text }, { kind: GreetingKind, fieldManager, signal: ctx.signal });
    if (written) ctx.recorder?.event(greeting, 'Normal', 'Greeted', `ConfigMap ${namespace}/${name}: ${text}`);
    return requeueAfter(greeting.spec?.interval ?? '10m');
  }

  override async finalize(greeting: Greeting, ctx: ReconcileContext<Greeting>): Promise<void> {
    const namespace = greeting.metadata.namespace!;
    const name = configMapNameOf(greeting);
    const existing = await ctx.client.get(ConfigMapKind, name, { namespace, signal: ctx.signal }).catch((error: unknown) => {
      if (isNotFoundError(error)) return undefined;
      throw error;
    });
    // Never delete what someone else owns; an error here is retried and the Greeting stays until it succeeds.
    if (existing && isControlledBy(existing, greeting)) {
      await ctx.client.delete(ConfigMapKind, name, { namespace, signal: ctx.signal }).catch((error: unknown) => {
        if (!isNotFoundError(error)) throw error;
      });
    }
    ctx.logger.info({ configMap: `${namespace}/${name}` }, 'goodbye');
    ctx.recorder?.event(greeting, 'Normal', 'Farewell', `deleted ConfigMap ${namespace}/${name}`);
  }
}

/** The ConfigMap a Greeting asks for, controlled by it (Kubernetes deletes it with its Greeting). */
export function desiredConfigMap(greeting: Greeting, name: string, text: string): ConfigMap {
  const configMap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: greeting.metadata.namespace, labels: { 'app.kubernetes.io/managed-by': fieldManager } },
    data: { greeting: text },
  };
  return setControllerReference(greeting, configMap);
}
