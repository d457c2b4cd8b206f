// Watches the Kustomizations and the GitRepository and notes when each status write first showed
// a phase: `progressing` (Ready=Unknown/Progressing: the reconcile found the artifact and begins
// the build), `health` (applied; health checks running), `ready` (Ready=True for the current
// generation).
import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { type FleetKinds, weftKinds } from './fleet';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

interface Reported extends KubeObject {
  status?: { observedGeneration?: number; conditions?: Condition[]; inventory?: { entries?: unknown[] } };
}

export interface PhaseTimes {
  progressing?: number;
  health?: number;
  ready?: number;
}


function conditionOf(object: Reported, type: string): Condition | undefined {
  return object.status?.conditions?.find((condition) => condition.type === type);
}

function isReady(object: Reported): boolean {
  const ready = conditionOf(object, 'Ready');
  if (ready?.status !== 'True') return false;
  const observed = object.status?.observedGeneration ?? ready.observedGeneration ?? object.metadata.generation;
  return observed === object.metadata.generation;
}

export interface ReadinessTracker {
  /** Resolves true once every Kustomization is Ready, false `timeoutMs` after `startedAt`. */
  untilAllReady(startedAt: number, timeoutMs: number): Promise<boolean>;
  /** Wall clock of each Kustomization's phases, by name. */
  phases(): ReadonlyMap<string, PhaseTimes>;
  sourceReadyAt(): number | undefined;
  /** How many entries the Kustomizations' `status.inventory` lists in total. */
  inventoryEntries(): number;
  /** The not-yet-Ready Kustomizations grouped by their Ready reason and message. */
  describePending(): string;
  /** The names of the not-yet-Ready Kustomizations. */
  pending(): string[];
  stop(): void;
}

/** Lists, then watches (re-watching from the last resourceVersion when the server ends a watch). */
async function follow(client: KubeClient, kind: { apiVersion: string; kind: string }, namespace: string, signal: AbortSignal, onObject: (object: Reported, at: number) => void): Promise<void> {
  const list = await client.list<Reported>(kind, { namespace, signal });
  for (const item of list.items) onObject(item, Date.now());
  let resourceVersion = list.resourceVersion;
  while (!signal.aborted) {
    try {
      for await (const event of client.watch<Reported>(kind, { namespace, resourceVersion, signal, timeoutSeconds: 300 })) {
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type === 'ADDED' || event.type === 'MODIFIED') onObject(event.object, Date.now());
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }
}

export async function readinessTracker(client: KubeClient, options: { names: string[]; namespace: string; sourceName: string; kinds?: FleetKinds }): Promise<ReadinessTracker> {
  const kinds = options.kinds ?? weftKinds;
  const phases = new Map<string, PhaseTimes>(options.names.map((name) => [name, {}]));
  const latest = new Map<string, Reported>();
  let sourceAt: number | undefined;
  let readyCount = 0;
  let onProgress = () => {};
  const stop = new AbortController();

  const onKustomization = (object: Reported, at: number) => {
    const times = phases.get(object.metadata.name);
    if (!times) return;
    latest.set(object.metadata.name, object);
    const ready = conditionOf(object, 'Ready');
    const reconciling = conditionOf(object, 'Reconciling');
    if (times.progressing === undefined && ready?.reason === 'Progressing') times.progressing = at;
    if (times.health === undefined && reconciling?.message?.startsWith('Running health checks')) times.health = at;
    if (times.ready === undefined && isReady(object)) {
      times.ready = at;
      readyCount++;
      onProgress();
    }
  };
  const onSource = (object: Reported, at: number) => {
    if (object.metadata.name === options.sourceName && sourceAt === undefined && isReady(object)) sourceAt = at;
  };
  const failures: unknown[] = [];
  const following = [
    follow(client, kinds.kustomization, options.namespace, stop.signal, onKustomization),
    follow(client, kinds.gitRepository, options.namespace, stop.signal, onSource),
  ].map((running) => running.catch((error: unknown) => failures.push(error)));

  return {
    async untilAllReady(startedAt, timeoutMs) {
      if (readyCount < options.names.length) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, startedAt + timeoutMs - Date.now()));
          onProgress = () => {
            if (readyCount === options.names.length) {
              clearTimeout(timer);
              resolve();
            }
          };
          void Promise.all(following).then(() => (clearTimeout(timer), resolve()));
        });
      }
      if (failures.length > 0) throw failures[0];
      return readyCount === options.names.length;
    },
    phases: () => phases,
    sourceReadyAt: () => sourceAt,
    inventoryEntries: () => [...latest.values()].reduce((sum, item) => sum + (item.status?.inventory?.entries?.length ?? 0), 0),
    describePending() {
      const groups = new Map<string, string[]>();
      for (const name of options.names) {
        if (phases.get(name)?.ready !== undefined) continue;
        const object = latest.get(name);
        const condition = object ? conditionOf(object, 'Ready') : undefined;
        const key = condition ? `${condition.status}/${condition.reason ?? ''}: ${condition.message ?? ''}` : 'no Ready condition';
        groups.set(key, [...(groups.get(key) ?? []), name]);
      }
      return [...groups].map(([key, names]) => `${names.length} × ${key} (e.g. ${names.slice(0, 3).join(', ')})`).join('; ');
    },
    pending: () => options.names.filter((name) => phases.get(name)?.ready === undefined),
    stop() {
      stop.abort();
    },
  };
}
