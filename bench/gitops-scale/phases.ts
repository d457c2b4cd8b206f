// Where the time went: the operator's reconcile outcomes (start and duration of each reconcile)
// joined with the phase times seen on the Kustomizations' status.
import type { PhaseTimes } from './readiness';

interface Outcome {
  controller: string;
  key: string;
  result: string;
  durationMs: number;
  startedAt: number;
  error?: { message?: string };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function spread(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  return `median ${seconds(pick(0.5))}, p90 ${seconds(pick(0.9))}, max ${seconds(sorted.at(-1)!)}`;
}

/** Lines describing the run's phases, relative to `startedAt` (the manager's start, epoch ms). */
export function describePhases(outcomes: readonly unknown[], phases: ReadonlyMap<string, PhaseTimes>, startedAt: number, namespace: string): string[] {
  const all = outcomes as Outcome[];
  const lines: string[] = [];
  const byController = new Map<string, Outcome[]>();
  for (const outcome of all) byController.set(outcome.controller, [...(byController.get(outcome.controller) ?? []), outcome]);
  for (const [controller, list] of byController) {
    const results = new Map<string, number>();
    for (const outcome of list) results.set(outcome.result, (results.get(outcome.result) ?? 0) + 1);
    lines.push(`reconciles of ${controller}: ${list.length} (${[...results].map(([result, count]) => `${count} ${result}`).join(', ')}); duration ${spread(list.map((outcome) => outcome.durationMs))}`);
  }

  const fetches = (byController.get('gitrepository') ?? []).filter((outcome) => outcome.result !== 'error');
  const fetched = fetches[0];
  if (fetched) lines.push(`phase git fetch + artifact: GitRepository reconciled in ${seconds(fetched.durationMs)}, from ${seconds(fetched.startedAt - startedAt)} to ${seconds(fetched.startedAt + fetched.durationMs - startedAt)}`);

  const kustomizations = byController.get('kustomization') ?? [];
  const failedEarly = kustomizations.filter((outcome) => outcome.result !== 'success' && outcome.result !== 'requeue_after');
  if (failedEarly.length > 0) lines.push(`failed Kustomization reconciles: ${failedEarly.length} (e.g. ${failedEarly[0]!.key}: ${failedEarly[0]!.error?.message ?? failedEarly[0]!.result})`);
  // The reconcile that made each Kustomization Ready: the first one that ended at or after Ready.
  const queued: number[] = [];
  const build: number[] = [];
  const health: number[] = [];
  const sourceDone = fetched ? fetched.startedAt + fetched.durationMs : startedAt;
  for (const [name, times] of phases) {
    if (times.ready === undefined) continue;
    const finishing = kustomizations.find((outcome) => outcome.key === `${namespace}/${name}` && outcome.startedAt + outcome.durationMs >= times.ready! - 50);
    if (finishing) queued.push(Math.max(0, finishing.startedAt - sourceDone));
    if (finishing && times.progressing !== undefined) build.push(times.health !== undefined ? times.health - finishing.startedAt : times.ready - finishing.startedAt);
    if (times.health !== undefined) health.push(times.ready - times.health);
  }
  lines.push(`phase queued (artifact ready → the reconcile that made it Ready starts): ${spread(queued)}`);
  lines.push(`phase source + build + apply (reconcile start → health checks start): ${spread(build)}`);
  lines.push(`phase wait (health checks start → Ready): ${spread(health)}`);
  return lines;
}

/**
 * The phases as the Kustomizations' status shows them, for any controller (Flux's report no
 * outcomes): artifact Ready → Ready=Unknown/Progressing (queued), → "Running health checks" (source,
 * build and apply), → Ready (health checks).
 */
export function describeStatusPhases(phases: ReadonlyMap<string, PhaseTimes>, sourceReadyAt: number | undefined): string[] {
  const queued: number[] = [];
  const build: number[] = [];
  const health: number[] = [];
  for (const times of phases.values()) {
    if (times.progressing !== undefined && sourceReadyAt !== undefined) queued.push(Math.max(0, times.progressing - sourceReadyAt));
    if (times.progressing !== undefined && times.health !== undefined) build.push(times.health - times.progressing);
    if (times.health !== undefined && times.ready !== undefined) health.push(times.ready - times.health);
  }
  return [
    `status phase queued (GitRepository Ready → Kustomization Progressing): ${spread(queued)}`,
    `status phase source + build + apply (Progressing → health checks start): ${spread(build)}`,
    `status phase wait (health checks start → Ready): ${spread(health)}`,
  ];
}
