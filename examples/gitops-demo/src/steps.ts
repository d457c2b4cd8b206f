/**
 * The walk-through: eight steps, each one thing a team does to its repository or its cluster, and
 * a check of what the operator made of it. A check polls until the cluster and the statuses say
 * what they should, or the step's time runs out; then it fails naming what it last saw.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigMapKind, DeploymentKind, getCondition, isNotFoundError, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { inventoryEntryRef } from '@weft/drift';
import { type Kustomization, KustomizationKind } from '@weft/delivery';
import type { TestRepo } from '@weft/testkit';
import type { DemoCluster } from './cluster.js';
import {
  APP,
  brokenCommit,
  ENVIRONMENTS,
  type Environment,
  FEATURE_FLAGS,
  FIRST_IMAGE,
  fixCommit,
  INGRESS_FILE,
  NEXT_IMAGE,
  NEXT_PRODUCTION_REPLICAS,
  pruneCommit,
  releaseCommit,
} from './sample-app.js';
import { shortRevision, type Timeline } from './timeline.js';
import { canaryRollout } from './canary-step.js';
import { StepTimeoutError, waitUntil } from './wait-until.js';
import { imageAutomation } from './image-step.js';

/** Everything a step works with. */
export interface DemoContext {
  readonly client: KubeClient;
  readonly cluster: DemoCluster;
  readonly repo: TestRepo;
  readonly timeline: Timeline;
  /** Where the GitRepository and the Kustomizations live. */
  readonly namespace: string;
  /** The GitRepository's name. */
  readonly source: string;
  /** The revision (`main@sha1:…`) of the last commit that built and applied everywhere. */
  lastGoodRevision: string;
}

/** One step of the walk-through. */
export interface Step {
  readonly title: string;
  run(context: DemoContext, signal: AbortSignal): Promise<void>;
}

const environments = Object.keys(ENVIRONMENTS) as Environment[];

/** Commits to the demo repository and returns the revision the GitRepository will report. */
async function commit(context: DemoContext, files: Parameters<TestRepo['commit']>[0], message: string): Promise<string> {
  const sha = await context.repo.commit(files, message);
  const revision = `main@sha1:${sha}`;
  context.timeline.action(`git commit ${sha.slice(0, 7)} "${message}" && git push`);
  return revision;
}

async function sourceAt(context: DemoContext, revision: string, signal: AbortSignal): Promise<GitRepository> {
  return waitUntil(
    `GitRepository/${context.source} to fetch ${shortRevision(revision)}`,
    async () => {
      const source = await context.client.get(GitRepositoryKind, context.source, { namespace: context.namespace, signal });
      const artifact = source.status?.artifact?.revision;
      if (artifact !== revision) throw new Error(`its artifact is ${shortRevision(artifact)}`);
      return source;
    },
    signal,
  );
}

function readyLine(kustomization: Kustomization): string {
  const ready = getCondition(kustomization.status?.conditions, 'Ready');
  return ready ? `Ready=${ready.status} ${ready.reason}: ${shortRevision(ready.message)}` : 'no Ready condition yet';
}

async function kustomizationReadyAt(context: DemoContext, environment: Environment, revision: string, signal: AbortSignal): Promise<Kustomization> {
  return waitUntil(
    `Kustomization/${environment} to be Ready at ${shortRevision(revision)}`,
    async () => {
      const kustomization = await context.client.get(KustomizationKind, environment, { namespace: context.namespace, signal });
      const ready = getCondition(kustomization.status?.conditions, 'Ready');
      const applied = kustomization.status?.lastAppliedRevision;
      if (ready?.status !== 'True' || applied !== revision || ready.observedGeneration !== kustomization.metadata.generation) {
        throw new Error(`it is ${readyLine(kustomization)} (lastAppliedRevision ${shortRevision(applied)})`);
      }
      return kustomization;
    },
    signal,
  );
}

async function deploymentOf(context: DemoContext, environment: Environment, signal: AbortSignal) {
  return context.client.get(DeploymentKind, APP, { namespace: ENVIRONMENTS[environment].namespace, signal });
}

function imageOf(deployment: Awaited<ReturnType<typeof deploymentOf>>): string | undefined {
  return deployment.spec?.template.spec?.containers[0]?.image;
}

async function expectDeployment(
  context: DemoContext,
  environment: Environment,
  expected: { image: string; replicas: number },
  signal: AbortSignal,
): Promise<void> {
  await waitUntil(
    `Deployment ${ENVIRONMENTS[environment].namespace}/${APP} to run ${expected.image} × ${expected.replicas}`,
    async () => {
      const deployment = await deploymentOf(context, environment, signal);
      if (imageOf(deployment) !== expected.image || deployment.spec?.replicas !== expected.replicas) {
        throw new Error(`it runs ${imageOf(deployment)} × ${deployment.spec?.replicas}`);
      }
    },
    signal,
  );
}

function inventoryOf(kustomization: Kustomization): string[] {
  return (kustomization.status?.inventory?.entries ?? []).map((entry) => {
    const ref = inventoryEntryRef(entry);
    return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
  });
}

async function absent(context: DemoContext, kind: typeof ConfigMapKind, name: string, namespace: string, signal: AbortSignal): Promise<void> {
  await waitUntil(
    `${kind.kind} ${namespace}/${name} to be deleted`,
    async () => {
      let found;
      try {
        found = await context.client.get(kind, name, { namespace, signal });
      } catch (error) {
        if (isNotFoundError(error)) return;
        throw error;
      }
      throw new Error(`it still exists (${provenance(found)})`);
    },
    signal,
  );
}

/** Who wrote an object and when it was created, for failure messages. */
function provenance(object: KubeObject): string {
  const managers = (object.metadata.managedFields ?? []).map((entry) => entry.manager).join(', ');
  return `created ${object.metadata.creationTimestamp ?? 'at an unknown time'}, managed by ${managers || 'nobody'}`;
}

/** Checks for `ms` that an object stays deleted; fails at once, naming who recreated it, if it comes back. */
async function staysAbsent(context: DemoContext, kind: typeof ConfigMapKind, name: string, namespace: string, ms: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const found = await context.client.get(kind, name, { namespace, signal }).catch((error: unknown) => {
      if (isNotFoundError(error)) return undefined;
      throw error;
    });
    if (found !== undefined) throw new Error(`${kind.kind} ${namespace}/${name} came back after it was pruned (${provenance(found)})`);
    await delay(100, undefined, { signal }).catch(() => undefined);
  }
}

/** Waits until every Deployment of `revision` reports its replicas available (real control plane only). */
async function rolledOut(context: DemoContext, environment: Environment, replicas: number, signal: AbortSignal): Promise<void> {
  if (!context.cluster.rollsOutDeployments) return;
  await waitUntil(
    `Deployment ${ENVIRONMENTS[environment].namespace}/${APP} to have ${replicas} available replicas`,
    async () => {
      const deployment = await deploymentOf(context, environment, signal);
      const available = deployment.status?.availableReplicas ?? 0;
      if (available !== replicas || deployment.status?.updatedReplicas !== replicas) throw new Error(`${available} of ${replicas} are available`);
    },
    signal,
  );
  context.timeline.ok(`Deployment ${ENVIRONMENTS[environment].namespace}/${APP}: ${replicas}/${replicas} replicas available (kwok nodes)`);
}

const firstSync: Step = {
  title: 'first sync: both overlays are applied',
  async run(context, signal) {
    const revision = context.lastGoodRevision;
    await sourceAt(context, revision, signal);
    context.timeline.ok(`GitRepository/${context.source} has an artifact for ${shortRevision(revision)}`);
    for (const environment of environments) {
      const kustomization = await kustomizationReadyAt(context, environment, revision, signal);
      const inventory = inventoryOf(kustomization);
      for (const expected of [`Namespace/${environment}`, `Deployment/${environment}/${APP}`, `Service/${environment}/${APP}`, `ConfigMap/${environment}/${FEATURE_FLAGS}`]) {
        if (!inventory.includes(expected)) throw new Error(`Kustomization/${environment}'s inventory lacks ${expected}: ${inventory.join(', ')}`);
      }
      await expectDeployment(context, environment, { image: FIRST_IMAGE, replicas: ENVIRONMENTS[environment].replicas }, signal);
      context.timeline.ok(`Kustomization/${environment} Ready=True at ${shortRevision(revision)}; inventory: ${inventory.length} objects`);
      context.timeline.observed('inventory:', inventory);
      await rolledOut(context, environment, ENVIRONMENTS[environment].replicas, signal);
    }
  },
};

const EDITED_REPLICAS = 10;

const driftReverted: Step = {
  title: 'an edit behind git\'s back is reverted',
  async run(context, signal) {
    const { namespace } = ENVIRONMENTS.production;
    const wanted = ENVIRONMENTS.production.replicas;
    // What `kubectl edit deployment web` sends: a patch under the field manager `kubectl-edit`.
    const edited = await context.client.patch(DeploymentKind, APP, { spec: { replicas: EDITED_REPLICAS } }, { namespace, type: 'strategic', fieldManager: 'kubectl-edit', signal });
    const editedAt = Date.now();
    context.timeline.action(`kubectl-edit scales Deployment ${namespace}/${APP} from ${wanted} to ${edited.spec?.replicas} replicas`);
    await waitUntil(
      `Deployment ${namespace}/${APP} to be reverted to ${wanted} replicas`,
      async () => {
        const deployment = await deploymentOf(context, 'production', signal);
        if (deployment.spec?.replicas !== wanted) throw new Error(`it has ${deployment.spec?.replicas} replicas`);
      },
      signal,
    );
    context.timeline.ok(`Deployment ${namespace}/${APP} is back to ${wanted} replicas, ${Date.now() - editedAt} ms after the edit`);
    await kustomizationReadyAt(context, 'production', context.lastGoodRevision, signal);
    await rolledOut(context, 'production', wanted, signal);
  },
};

const newCommit: Step = {
  title: 'a new commit is applied',
  async run(context, signal) {
    const revision = await commit(context, releaseCommit(), `production: ${NEXT_IMAGE}, ${NEXT_PRODUCTION_REPLICAS} replicas`);
    await sourceAt(context, revision, signal);
    context.timeline.ok(`GitRepository/${context.source} fetched ${shortRevision(revision)}`);
    await kustomizationReadyAt(context, 'production', revision, signal);
    await expectDeployment(context, 'production', { image: NEXT_IMAGE, replicas: NEXT_PRODUCTION_REPLICAS }, signal);
    context.timeline.ok(`Kustomization/production Ready=True at ${shortRevision(revision)}: Deployment production/${APP} runs ${NEXT_IMAGE} × ${NEXT_PRODUCTION_REPLICAS}`);
    await kustomizationReadyAt(context, 'staging', revision, signal);
    await expectDeployment(context, 'staging', { image: FIRST_IMAGE, replicas: ENVIRONMENTS.staging.replicas }, signal);
    context.timeline.ok(`Kustomization/staging Ready=True at ${shortRevision(revision)}: its objects did not change (${FIRST_IMAGE} × ${ENVIRONMENTS.staging.replicas})`);
    await rolledOut(context, 'production', NEXT_PRODUCTION_REPLICAS, signal);
    context.lastGoodRevision = revision;
  },
};

const deletedFilePruned: Step = {
  title: 'a deleted file is pruned',
  async run(context, signal) {
    const revision = await commit(context, pruneCommit(), `base: remove ${FEATURE_FLAGS}.yaml`);
    const inventories = new Map<Environment, string[]>();
    for (const environment of environments) {
      await absent(context, ConfigMapKind, FEATURE_FLAGS, ENVIRONMENTS[environment].namespace, signal);
      inventories.set(environment, inventoryOf(await kustomizationReadyAt(context, environment, revision, signal)));
    }
    // Nothing may bring it back: not the next reconcile, not the drift watch of the old revision.
    await Promise.all(environments.map((environment) => staysAbsent(context, ConfigMapKind, FEATURE_FLAGS, ENVIRONMENTS[environment].namespace, 1500, signal)));
    for (const environment of environments) {
      const { namespace } = ENVIRONMENTS[environment];
      const inventory = inventories.get(environment) ?? [];
      if (inventory.some((entry) => entry.endsWith(`/${FEATURE_FLAGS}`))) throw new Error(`Kustomization/${environment}'s inventory still lists ConfigMap/${namespace}/${FEATURE_FLAGS}`);
      context.timeline.ok(`ConfigMap ${namespace}/${FEATURE_FLAGS} is gone from the cluster and from Kustomization/${environment}'s inventory (${inventory.length} objects)`);
    }
    context.lastGoodRevision = revision;
  },
};

const brokenCommitKeepsLastGood: Step = {
  title: 'a broken commit leaves the last good revision running',
  async run(context, signal) {
    const good = context.lastGoodRevision;
    const revision = await commit(context, brokenCommit(), `production: add an Ingress (but forget ${INGRESS_FILE})`);
    const failed = await waitUntil(
      `Kustomization/production to report Ready=False for ${shortRevision(revision)}`,
      async () => {
        const kustomization = await context.client.get(KustomizationKind, 'production', { namespace: context.namespace, signal });
        const ready = getCondition(kustomization.status?.conditions, 'Ready');
        if (ready?.status !== 'False' || kustomization.status?.lastAttemptedRevision !== revision) {
          throw new Error(`it is ${readyLine(kustomization)} (lastAttemptedRevision ${shortRevision(kustomization.status?.lastAttemptedRevision)})`);
        }
        return { kustomization, ready };
      },
      signal,
    );
    const { kustomization, ready } = failed;
    if (!ready.message.includes(INGRESS_FILE)) throw new Error(`Kustomization/production's Ready=False message does not name ${INGRESS_FILE}: ${ready.message}`);
    if (kustomization.status?.lastAppliedRevision !== good) {
      throw new Error(`Kustomization/production's lastAppliedRevision moved from ${shortRevision(good)} to ${shortRevision(kustomization.status?.lastAppliedRevision)}`);
    }
    context.timeline.ok(`Kustomization/production Ready=False ${ready.reason}, naming ${INGRESS_FILE}; lastAppliedRevision is still ${shortRevision(good)}`);
    await expectDeployment(context, 'production', { image: NEXT_IMAGE, replicas: NEXT_PRODUCTION_REPLICAS }, signal);
    context.timeline.ok(`Deployment production/${APP} still runs ${NEXT_IMAGE} × ${NEXT_PRODUCTION_REPLICAS} from ${shortRevision(good)}`);
    await kustomizationReadyAt(context, 'staging', revision, signal);
    context.timeline.ok(`Kustomization/staging is not affected: Ready=True at ${shortRevision(revision)}`);
  },
};

const fixRecovers: Step = {
  title: 'a fix commit recovers',
  async run(context, signal) {
    const revision = await commit(context, fixCommit(), `production: add the forgotten ${INGRESS_FILE}`);
    const kustomization = await kustomizationReadyAt(context, 'production', revision, signal);
    const ingress = `Ingress/production/${APP}`;
    if (!inventoryOf(kustomization).includes(ingress)) throw new Error(`Kustomization/production's inventory lacks ${ingress}`);
    await context.client.get({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }, APP, { namespace: 'production', signal });
    context.timeline.ok(`Kustomization/production Ready=True at ${shortRevision(revision)}; ${ingress} created`);
    context.lastGoodRevision = revision;
  },
};

export { StepTimeoutError };

/** The walk-through, in order. */
export const steps: readonly Step[] = [firstSync, driftReverted, newCommit, deletedFilePruned, brokenCommitKeepsLastGood, fixRecovers, canaryRollout, imageAutomation];
