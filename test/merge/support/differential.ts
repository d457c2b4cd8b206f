// Runs one operation both on the real apiserver and through @weft/merge, and reports any
// difference. Each step starts from the live object as the apiserver has it, so a difference
// never cascades, and the engine's resulting object is defaulted by the apiserver (dry-run PUT)
// before comparing, since defaulting is the apiserver's job, not the merge engine's.
import { isDeepStrictEqual } from 'node:util';
import {
  ApplyConflictError,
  applyStrategicMergePatch,
  MergeError,
  serverSideApply,
  updateManagedFields,
  type JsonObject,
  type MergeSchemaRegistry,
} from '@weft/merge';
import type { ApiServerOracle, OracleResult } from './oracle.ts';
import { comparableManagedFields, comparableObject, forDefaulting, managedFieldsOf } from './normalize.ts';

export type Step =
  | { readonly op: 'apply'; readonly manager: string; readonly force: boolean; readonly config: JsonObject }
  | { readonly op: 'smp'; readonly manager: string; readonly patch: JsonObject }
  | { readonly op: 'create'; readonly manager: string; readonly object: JsonObject }
  | { readonly op: 'update'; readonly manager: string; readonly change: JsonObject };

/** How a step ended: compared equal, skipped (the apiserver rejected the result as invalid), or differed. */
export type StepOutcome =
  | { readonly status: 'equal' | 'skipped'; readonly note?: string }
  | { readonly status: 'different'; readonly detail: string; readonly note?: undefined };

export interface DifferentialContext {
  readonly oracle: ApiServerOracle;
  readonly registry: MergeSchemaRegistry;
}

/**
 * Runs `step` on the object identified by `target` (apiVersion, kind, metadata.name/namespace).
 * `known` is the live object when the caller has it (the previous step's result); otherwise it is read.
 */
export async function runStep(context: DifferentialContext, target: JsonObject, step: Step, known?: { live: JsonObject | undefined }): Promise<StepOutcome> {
  const live = known === undefined ? await context.oracle.read(target) : known.live;
  const written: { stored?: JsonObject } = {};
  const result = await runStepOn(context, target, step, live, written);
  if (known !== undefined && written.stored !== undefined) known.live = written.stored;
  return result;
}

async function runStepOn(
  context: DifferentialContext,
  target: JsonObject,
  step: Step,
  live: JsonObject | undefined,
  written: { stored?: JsonObject },
): Promise<StepOutcome> {
  const { oracle, registry } = context;
  switch (step.op) {
    case 'apply': {
      let engine: { object: JsonObject } | Error;
      try {
        engine = serverSideApply(live, step.config, { manager: step.manager, force: step.force, registry });
      } catch (error) {
        engine = error as Error;
      }
      const real = await oracle.apply(step.config, step.manager, step.force);
      if (real.ok) written.stored = real.object;
      return compareOutcome(context, step, real, engine, true);
    }
    case 'smp': {
      if (live === undefined) return { status: 'skipped', note: 'nothing to patch' };
      let engine: { object: JsonObject } | Error;
      try {
        engine = { object: applyStrategicMergePatch(live, step.patch, { registry }) };
      } catch (error) {
        engine = error as Error;
      }
      const real = await oracle.strategicMergePatch(target, step.patch, step.manager);
      if (real.ok) written.stored = real.object;
      const outcome = await compareOutcome(context, step, real, engine, false);
      if (outcome.status !== 'equal' || !real.ok) return outcome;
      return compareUpdateOwnership(live, real.object, step.manager, registry);
    }
    case 'create': {
      if (live !== undefined) return { status: 'skipped', note: 'already exists' };
      const real = await oracle.create(step.object, step.manager);
      if (real.ok) written.stored = real.object;
      if (!real.ok) return { status: 'skipped', note: `create rejected: ${real.message}` };
      return compareUpdateOwnership(undefined, asSeenByFieldManager(real.object), step.manager, registry);
    }
    case 'update': {
      if (live === undefined) return { status: 'skipped', note: 'nothing to update' };
      const next = mergeShallow(live, step.change);
      const real = await oracle.replace(next, step.manager);
      if (real.ok) written.stored = real.object;
      if (!real.ok) return { status: 'skipped', note: `update rejected: ${real.message}` };
      return compareUpdateOwnership(live, real.object, step.manager, registry);
    }
  }
}

async function compareOutcome(
  context: DifferentialContext,
  step: Step,
  real: OracleResult,
  engine: { object: JsonObject } | Error,
  isApply: boolean,
): Promise<StepOutcome> {
  if (!real.ok) {
    if (real.code === 409 && isApply) {
      if (!(engine instanceof ApplyConflictError)) {
        return { status: 'different', detail: `apiserver: 409 ${real.message}\nengine: ${engine instanceof Error ? engine.message : 'no conflict'}` };
      }
      if (engine.apiserverMessage !== real.message) {
        return { status: 'different', detail: `conflict messages differ\napiserver: ${real.message}\nengine:    ${engine.apiserverMessage}` };
      }
      return { status: 'equal', note: 'conflict' };
    }
    if (real.code === 422) return { status: 'skipped', note: `invalid result: ${real.message}` };
    // A malformed patch: the engine must refuse it too.
    if (engine instanceof MergeError) return { status: 'equal', note: `both refused: ${real.message}` };
    return { status: 'different', detail: `apiserver refused (${real.code} ${real.message}); engine accepted` };
  }
  if (engine instanceof Error) return { status: 'different', detail: `apiserver accepted; engine threw ${engine.name}: ${engine.message}` };
  const stored = (real.object['metadata'] ?? {}) as JsonObject;
  const defaulted = await context.oracle.replace(forDefaulting(engine.object, stored['resourceVersion']), 'weft-defaulting', true);
  if (!defaulted.ok) {
    return { status: 'different', detail: `engine result rejected by the apiserver (${defaulted.code} ${defaulted.message})\nengine: ${JSON.stringify(engine.object)}` };
  }
  const mine = comparableObject(defaulted.object);
  const theirs = comparableObject(real.object);
  if (!isDeepStrictEqual(mine, theirs)) {
    return { status: 'different', detail: `objects differ\nengine:    ${JSON.stringify(mine)}\napiserver: ${JSON.stringify(theirs)}` };
  }
  if (isApply) {
    const mineFields = comparableManagedFields(managedFieldsOf(engine.object));
    const theirFields = comparableManagedFields(managedFieldsOf(real.object));
    if (!isDeepStrictEqual(mineFields, theirFields)) {
      return { status: 'different', detail: `managedFields differ\nengine:    ${JSON.stringify(mineFields)}\napiserver: ${JSON.stringify(theirFields)}` };
    }
  }
  return { status: 'equal' };
}

/** The Update operation's ownership, computed from the object the apiserver stored. */
function compareUpdateOwnership(live: JsonObject | undefined, stored: JsonObject, manager: string, registry: MergeSchemaRegistry): StepOutcome {
  const { managedFields: _ignored, ...metadata } = (stored['metadata'] ?? {}) as JsonObject;
  const next = { ...stored, metadata };
  const result = updateManagedFields(live, next, { manager, registry });
  const mine = comparableManagedFields(result.managedFields);
  const theirs = comparableManagedFields(managedFieldsOf(stored));
  if (!isDeepStrictEqual(mine, theirs)) {
    return { status: 'different', detail: `Update managedFields differ\nengine:    ${JSON.stringify(mine)}\napiserver: ${JSON.stringify(theirs)}` };
  }
  return { status: 'equal' };
}

/** `live` with top-level sections of `change` merged one level deep (a PUT that edits a few fields). */
function mergeShallow(live: JsonObject, change: JsonObject): JsonObject {
  const next = JSON.parse(JSON.stringify(live)) as JsonObject;
  for (const [key, value] of Object.entries(change)) {
    const current = next[key];
    next[key] =
      typeof current === 'object' && current !== null && !Array.isArray(current) && typeof value === 'object' && value !== null && !Array.isArray(value)
        ? { ...(current as JsonObject), ...(value as JsonObject) }
        : value;
  }
  return next;
}

/**
 * The created object as the apiserver's field manager saw it: Service IPs are allocated by the
 * storage layer after field management ran, so nobody owns them.
 */
function asSeenByFieldManager(stored: JsonObject): JsonObject {
  if (stored['kind'] !== 'Service') return stored;
  const spec = { ...((stored['spec'] ?? {}) as JsonObject) };
  for (const allocated of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) delete spec[allocated];
  return { ...stored, spec };
}
