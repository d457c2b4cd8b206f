// The code samples of docs/delivery-pipeline.md (each ```ts block of the guide is a verbatim part
// of this file; docs/examples/docs.test.ts checks that), type-checked by `pnpm typecheck`.
import { KubeConfig } from '@kubernetes/client-node';
import { applySet, ClusterClient, correctDrift, summarizeChangeSet, type BuildOutcome, type Inventory } from '@weft/drift';
import { type GitArtifact, GitRepositoryReconciler, gitRepositoryController, gitSource } from '@weft/git-source';
import { buildWithSources, memoryFs, substituteVariables, withGeneratedKustomization } from '@weft/kustomize-lite';
import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { type KubeObject, Manager } from '@weft/reconcile-core';
import { from, mergeMap, share, switchMap } from 'rxjs';

declare const lastInventory: Inventory | undefined;

/** The files of a git artifact as a kustomize file system, rooted at `/`. */
function artifactFs(artifact: GitArtifact) {
  const files: Record<string, Uint8Array> = {};
  for (const entry of artifact.entries) if (entry.type === 'file' && entry.content) files[`/${entry.path}`] = entry.content;
  return memoryFs(files);
}

/** git revision → kustomize build → post-build substitution → plain Kubernetes objects. */
async function render(artifact: GitArtifact, path: string, signal: AbortSignal): Promise<KubeObject[]> {
  const directory = `/${path}`;
  const fs = await withGeneratedKustomization(artifactFs(artifact), directory); // Flux: no kustomization.yaml → one is generated
  const built = await buildWithSources(directory, { fs, signal });
  const substituted = await substituteVariables(built.map((entry) => entry.object), { substitute: { cluster_env: 'prod' }, signal });
  return substituted as KubeObject[];
}

export function pipelineAsStreams(): void {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const cluster = new ClusterClient(kubeConfig);

  const objects$ = gitSource({ url: 'https://github.com/example/fleet.git', ref: { branch: 'main' }, interval: '1m' }).pipe(
    // A newer revision aborts the build of an older one (newest input wins).
    switchMap((artifact) => {
      const abort = new AbortController();
      return from(render(artifact, 'apps/prod', abort.signal).then((objects): BuildOutcome => ({ ok: true, stage: 'build', revision: artifact.revision, objects })).finally(() => abort.abort()));
    }),
    share(),
  );

  // Apply each revision (dry-run gated, staged), pruning what left git since the last apply.
  objects$.pipe(applySet(cluster, { prune: true, inventory: lastInventory }), correctDrift(cluster, { mode: 'revert' })).subscribe((outcome) => {
    if (outcome.ok && outcome.stage === 'apply') console.log(summarizeChangeSet(outcome.result), summarizeChangeSet(outcome.pruned));
    else if (outcome.ok && outcome.event.type === 'reverted') console.log(`${outcome.event.subject}: drift reverted`);
    else if (!outcome.ok) console.error('failed; the last good revision stays applied:', outcome.error.message);
  });
}

export async function readyMadeReconcilers(kubeConfig: KubeConfig, signal: AbortSignal): Promise<void> {
  // The GitRepository reconciler of @weft/git-source (source.weft.dev/v1, Flux's fields).
  const manager = new Manager({ kubeConfig, metrics: { port: 8080 } });
  manager.add(
    gitRepositoryController({ namespace: 'weft-system' }).reconcile(
      new GitRepositoryReconciler({
        // The in-process handoff: each new revision of a GitRepository, as a GitArtifact.
        onArtifact: (repository, artifact) => console.log(`${repository.metadata.name}: ${artifact.revision}`),
      }),
    ),
  );
  await manager.start({ signal });
}

export function parallelApps(): void {
  // Independent apps in parallel, each with its own newest-wins pipeline: mergeMap with a bound.
  const apps = ['apps/web', 'apps/api', 'apps/worker'];
  from(apps)
    .pipe(mergeMap((path) => gitSource({ url: 'https://github.com/example/fleet.git', ref: { branch: 'main' } }).pipe(switchMap((artifact) => render(artifact, path, new AbortController().signal))), 4))
    .subscribe((objects) => console.log(`${objects.length} objects`));
}

export async function gitOpsOperator(kubeConfig: KubeConfig, signal: AbortSignal): Promise<void> {
  // examples/gitops-operator: GitRepository + Kustomization controllers in one Manager.
  await installGitOpsCrds(kubeConfig, { signal }); // or apply examples/gitops-operator/deploy/crds.yaml
  const manager = createGitOpsManager({
    kubeConfig,
    storageDir: '/var/lib/weft', // artifacts and git caches
    leaderElection: { name: 'weft-gitops-operator', namespace: 'weft-system' },
    metrics: { port: 8080 },
    onDrift: (kustomization, event) => {
      if (event.type === 'reverted') console.log(`${kustomization}: ${event.subject} reverted`);
    },
  });
  await manager.start({ signal });
}
