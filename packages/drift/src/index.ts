/**
 * @packageDocumentation
 * `@weft/drift`: server-side apply of whole resource sets (staged, dry-run gated), diffs with
 * ignore rules, inventory-based pruning, kstatus health waits, and event-driven drift detection
 * that reverts or reports edits made behind git's back.
 */
// Every verb takes reconcile-core's `KubeClient` and throws its typed errors; a cancelled verb
// throws its `CancelledError`, re-exported here (the same class) for `catch` blocks next to drift's calls.
export { CancelledError } from '@weft/reconcile-core';
export { applySet } from './apply.js';
export { type ApplySetOptions, type ApplySetResult, type OwnershipConflict } from './apply-objects.js';
export { type ApplySetOperatorOptions, mergeInventories } from './apply-operator.js';
export { type PipelineStage, type FailedOutcome, type BuiltSet, type BuildOutcome, type AppliedSet, type ApplyOutcome, type DriftReport, type PipelineOutcome } from './outcome.js';
export { type SetOwner, ownershipLabels, fluxOwnershipLabels, ownerOf, describeOwner } from './ownership.js';
export { diff, diffObject, type DiffOptions, type DiffStatus, type ObjectDiff } from './diff.js';
export { prune, saveInventory, inventoryFromStatus, type PruneOptions, type DeletionPolicy } from './prune.js';
export { wait, type WaitOptions, type WaitResult, type ObjectHealth } from './wait.js';
export { objectHealth, type Health, type HealthStatus } from './health.js';
export { correctDrift } from './correct-drift.js';
export { watchDrift, type WatchDriftOptions, type DriftEvent, type RemediationMode } from './watch-drift.js';
export { changeEntry, mergeChangeSets, findChange, countChanges, summarizeChangeSet, type ChangeSet, type ChangeSetEntry, type ChangeAction } from './changeset.js';
export { inventoryOf, inventoryEntryRef, staleObjects, type Inventory, type InventoryEntry } from './inventory.js';
export { compileIgnoreRules, compileTarget, InvalidIgnoreRuleError, type IgnoreRule, type TargetSelector, type CompiledIgnoreRules } from './ignore.js';
export { fieldChanges, maskSecrets, unifiedDiff, comparableCopy, type FieldChange } from './object-diff.js';
export { annotations, fluxAnnotations, applyPolicyOf, type ApplyPolicy } from './annotations.js';
export { kubectlManagers, takeClaimedFields } from './take-ownership.js';
export { DriftObjectError, DryRunError, PruneError, ImmutableFieldError, InvalidSetError, isDriftObjectError, type DryRunRollback } from './errors.js';
