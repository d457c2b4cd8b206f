// Property-based differential test: fast-check generates scenarios (Deployments, Services,
// ConfigMaps and a CRD with list-map keys; several managers; applies with and without force,
// strategic merge patches with directives, creates and updates), and every step must give the same
// object and managedFields through @weft/merge as through the real kube-apiserver.
// 1,000 scenarios per run, in batches run concurrently. Reproduce a failure with
// WEFT_MERGE_SEED=<seed printed in the failure>.
import fc from 'fast-check';
import type { JsonObject } from '@weft/merge';
import { expect, it } from 'vitest';
import { describeCluster } from '../support/cluster.ts';
import { apiVersions, scenario, withName, type Scenario } from './support/arbitraries.ts';
import { useMergeCluster, type MergeCluster } from './support/control-plane.ts';
import { runStep, type Step } from './support/differential.ts';

const namespace = 'merge-generated';
const batchSize = 20;
const batches = Number(process.env["WEFT_MERGE_BATCHES"] ?? 50); // 1,000 scenarios
const seed = Number(process.env['WEFT_MERGE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

interface Tally {
  equal: number;
  skipped: number;
  conflicts: number;
}

async function runScenario(cluster: MergeCluster, generated: Scenario, name: string, tally: Tally): Promise<string | undefined> {
  const target: JsonObject = { apiVersion: apiVersions[generated.kind], kind: generated.kind, metadata: { name, namespace } };
  const identity = (body: JsonObject): JsonObject => {
    const metadata = { ...((body['metadata'] as JsonObject | undefined) ?? {}), name, namespace };
    return { apiVersion: target['apiVersion'], kind: generated.kind, ...body, metadata };
  };
  // Each step starts from what the apiserver returned for the previous one (nothing else writes here).
  const known: { live: JsonObject | undefined } = { live: undefined };
  for (const [index, spec] of withName(generated.steps, name).entries()) {
    let step: Step;
    switch (spec.op) {
      case 'apply':
        step = { op: 'apply', manager: spec.manager, force: spec.force, config: identity(spec.body) };
        break;
      case 'create':
        step = { op: 'create', manager: spec.manager, object: identity(spec.body) };
        break;
      case 'smp':
        step = { op: 'smp', manager: spec.manager, patch: spec.patch };
        break;
      case 'update':
        step = { op: 'update', manager: spec.manager, change: spec.change };
        break;
    }
    const outcome = await runStep(cluster, target, step, known);
    if (outcome.status === 'different') {
      return `${generated.kind} ${name}, step ${index} (${spec.op} by ${spec.manager}):\n${outcome.detail}\nscenario: ${JSON.stringify(generated)}`;
    }
    if (outcome.status === 'skipped') tally.skipped++;
    else if (outcome.note === 'conflict') tally.conflicts++;
    else tally.equal++;
  }
  // Free the object (and a Service's cluster IP: the private control plane's range is small).
  await cluster.oracle.delete(target);
  return undefined;
}

describeCluster('@weft/merge against kube-apiserver: generated scenarios', () => {
  const cluster = useMergeCluster(namespace);

  it(
    `1,000 generated scenarios give the apiserver's objects and managedFields (seed ${seed})`,
    async () => {
      const tally: Tally = { equal: 0, skipped: 0, conflicts: 0 };
      let counter = 0;
      let scenarios = 0;
      let firstFailure: string | undefined;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(scenario, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
            const failures = await Promise.all(batch.map((generated) => runScenario(cluster(), generated, `gen-${counter++}`, tally)));
            scenarios += batch.length;
            const failure = failures.find((message) => message !== undefined);
            if (failure !== undefined) {
              firstFailure ??= failure;
              throw new Error(failure);
            }
          }),
          { seed, numRuns: batches, endOnFailure: true },
        );
      } catch (error) {
        const detail = firstFailure ?? (error as Error).message;
        throw new Error(`generated merge scenarios failed (WEFT_MERGE_SEED=${seed}):\n${detail}`);
      }
      console.log(`[merge] ${scenarios} scenarios (seed ${seed}): ${tally.equal} steps equal, ${tally.conflicts} identical conflicts, ${tally.skipped} rejected as invalid by the apiserver`);
      expect(scenarios).toBeGreaterThanOrEqual(1000);
      // The comparison must not be vacuous: most steps are accepted and compared.
      expect(tally.equal + tally.conflicts).toBeGreaterThan(3 * tally.skipped);
    },
    600_000, // about 100 s on an idle 2-core machine; generous for a loaded CI run
  );
});
