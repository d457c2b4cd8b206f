/**
 * Records what a release did, as the side-by-side test compares it: each distinct
 * (phase, canaryWeight, failedChecks, iterations) of a Canary's status, and each distinct
 * (primary, canary) weight pair of its HTTPRoute, in order, from watches.
 */
import { resourceKind, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import { HTTPRouteKind, type HTTPRoute } from '@weft/progressive';

export const FlaggerCanaryKind = resourceKind<KubeObject & { spec: Record<string, unknown>; status?: Record<string, unknown> }>({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', plural: 'canaries', namespaced: true });

export interface StatusStep {
  readonly phase: string;
  readonly canaryWeight: number;
  readonly failedChecks: number;
  readonly iterations: number;
}

export interface ReleaseRecording {
  readonly statuses: StatusStep[];
  readonly routes: string[];
  latest(): StatusStep | undefined;
  /** When the current phase was first recorded. */
  since(): number;
  stop(): void;
}

function statusStep(status: Record<string, unknown> | undefined): StatusStep | undefined {
  if (!status?.['phase']) return undefined;
  return { phase: String(status['phase']), canaryWeight: Number(status['canaryWeight'] ?? 0), failedChecks: Number(status['failedChecks'] ?? 0), iterations: Number(status['iterations'] ?? 0) };
}

function routeWeights(route: HTTPRoute, apex: string): string | undefined {
  for (const rule of route.spec?.rules ?? []) {
    const refs = (rule.backendRefs ?? []) as { name: string; weight?: number }[];
    if (refs.length !== 2) continue;
    const primary = refs.find((ref) => ref.name === `${apex}-primary`)?.weight;
    const canary = refs.find((ref) => ref.name === `${apex}-canary`)?.weight;
    return `${primary}/${canary}`;
  }
  return undefined;
}

/** Starts recording the Canary `name` (of `kind`) and the HTTPRoute `apex` in a namespace. */
export function recordRelease(client: KubeClient, kind: typeof FlaggerCanaryKind | { apiVersion: string; kind: string; plural: string; namespaced: boolean }, namespace: string, name: string, apex: string): ReleaseRecording {
  const stop = new AbortController();
  const statuses: StatusStep[] = [];
  const routes: string[] = [];
  let since = Date.now();
  const follow = async <T extends KubeObject>(watchKind: Parameters<KubeClient['watch']>[0], onObject: (object: T) => void) => {
    while (!stop.signal.aborted) {
      try {
        for await (const event of client.watch<T>(watchKind as never, { namespace, signal: stop.signal })) {
          if ((event.type === 'ADDED' || event.type === 'MODIFIED') && event.object.metadata.name) onObject(event.object as T);
        }
      } catch {
        if (stop.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  void follow<KubeObject & { status?: Record<string, unknown> }>(kind as never, (canary) => {
    if (canary.metadata.name !== name) return;
    const step = statusStep(canary.status);
    const last = statuses.at(-1);
    if (step && (!last || JSON.stringify(last) !== JSON.stringify(step))) {
      if (last?.phase !== step.phase) since = Date.now();
      statuses.push(step);
    }
  });
  void follow<HTTPRoute>(HTTPRouteKind, (route) => {
    if (route.metadata.name !== apex) return;
    const weights = routeWeights(route, apex);
    if (weights && routes.at(-1) !== weights) routes.push(weights);
  });
  return { statuses, routes, latest: () => statuses.at(-1), since: () => since, stop: () => stop.abort() };
}

export function formatSteps(steps: readonly StatusStep[]): string[] {
  return steps.map((step) => `${step.phase} w=${step.canaryWeight} f=${step.failedChecks} i=${step.iterations}`);
}
