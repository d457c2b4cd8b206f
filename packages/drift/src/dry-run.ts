import { objectRef, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { applyLive, getLive } from './requests.js';
import type { CompiledIgnoreRules } from './ignore.js';
import { comparableCopy, deepEqual } from './object-diff.js';

/** What a server-side dry run says about one object: the live object, what apply would make of it, and whether they differ. */
export interface DryRunPlan {
  readonly ref: ObjectRef;
  readonly desired: KubeObject;
  /** The live object, undefined when it does not exist. */
  readonly live: KubeObject | undefined;
  /** The object as the apiserver would store it after the apply (defaults and webhooks included). */
  readonly dryRun: KubeObject;
  /** The live and dry-run objects as compared: server-written metadata, status and ignored fields removed. */
  readonly comparedLive: KubeObject | undefined;
  readonly comparedDryRun: KubeObject;
  /** Whether applying would change the live object (always true when it does not exist). */
  readonly differs: boolean;
}

/**
 * Dry-runs one object: reads it, strips fields the ignore rules leave to others (on an existing
 * object), server-side applies it with `dryRun=All` and `force`, and compares the result with the
 * live object.
 *
 * @remarks Because the comparison is against the apiserver's own answer, fields it or a CRD
 * defaults are in both and never show as a difference.
 * @throws the apiserver's error for the dry run (a `KubeApiError`), e.g. 422 for an invalid object.
 */
export async function dryRunObject(client: KubeClient, desired: KubeObject, options: { fieldManager: string; ignore: CompiledIgnoreRules; live?: KubeObject | undefined | null; signal?: AbortSignal | undefined }): Promise<DryRunPlan> {
  const ref = objectRef(desired);
  // undefined: not read yet; null: known to be absent.
  let live = options.live === undefined ? await getLive(client, ref, { signal: options.signal }) : (options.live ?? undefined);
  let sent: KubeObject;
  let dryRun: KubeObject;
  for (let attempt = 0; ; attempt++) {
    sent = live && options.ignore.appliesTo(live) ? structuredClone(desired) : desired;
    if (sent !== desired) options.ignore.strip(sent, live);
    dryRun = await applyLive(client, sent, { fieldManager: options.fieldManager, force: true, dryRun: true, signal: options.signal });
    // A controller may have written the object between the read and the dry run (a Deployment's
    // revision annotation): compare like with like, or that write would look like a change.
    const base = dryRun.metadata.resourceVersion;
    if (attempt >= 3 || (live ? base === live.metadata.resourceVersion : !base)) break;
    live = await getLive(client, ref, { signal: options.signal });
  }
  let comparedDryRun = comparableCopy(dryRun);
  let comparedLive = live ? comparableCopy(live) : undefined;
  if (comparedLive && options.ignore.appliesTo(live!)) {
    // Stripping changes nested fields: work on deep copies.
    comparedLive = structuredClone(comparedLive);
    comparedDryRun = structuredClone(comparedDryRun);
    options.ignore.strip(comparedLive, live);
    options.ignore.strip(comparedDryRun, live);
  }
  return { ref, desired: sent, live, dryRun, comparedLive, comparedDryRun, differs: !comparedLive || !deepEqual(comparedLive, comparedDryRun) };
}
