import { WeftError } from '../errors.js';

/**
 * The label Flux shards by: an object labelled `sharding.fluxcd.io/key=shard1` belongs to shard `shard1`.
 *
 * @remarks The same key as Flux, so one labelling scheme serves both.
 *
 * @example
 * ```ts
 * import { shardLabel } from '@weft/reconcile-core';
 * metadata.labels = { [shardLabel]: 'shard1' };
 * ```
 */
export const shardLabel = 'sharding.fluxcd.io/key';

/**
 * Which objects a replica handles: those labelled with one of `keys`, or, for the main
 * instance, those without the shard label.
 *
 * @remarks A string is one shard key.
 *
 * @example
 * ```ts
 * import { Manager } from '@weft/reconcile-core';
 * new Manager({ kubeConfig, shard: { keys: ['shard1', 'shard2'] } });
 * ```
 */
export type ShardSpec = string | { readonly keys: readonly string[] } | { readonly main: true };

/**
 * A shard key that is not a valid label value.
 *
 * @remarks Not retryable: fix the shard key.
 *
 * @example
 * ```ts
 * import { ShardingError, shardSelector } from '@weft/reconcile-core';
 * try { shardSelector('bad key'); } catch (error) { if (error instanceof ShardingError) console.error(error.message); }
 * ```
 */
export class ShardingError extends WeftError {
  override name = 'ShardingError';
  constructor(readonly key: string) {
    super(`shard key ${JSON.stringify(key)} is not a valid label value (63 characters at most, alphanumerics, '-', '_' or '.', starting and ending alphanumeric)`);
  }
}

const labelValue = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/**
 * The label selector of a shard, with Flux's semantics: a shard instance watches
 * `sharding.fluxcd.io/key in (keys)`; the main instance watches `!sharding.fluxcd.io/key`,
 * so every object is handled by exactly one replica.
 *
 * @remarks Apply it to the primary kind of every controller of the replica (a Manager does).
 * @throws {@link ShardingError} for a key that is not a valid label value, or no keys.
 *
 * @example
 * ```ts
 * import { shardSelector } from '@weft/reconcile-core';
 * shardSelector('shard1');          // 'sharding.fluxcd.io/key in (shard1)'
 * shardSelector({ main: true });    // '!sharding.fluxcd.io/key'
 * ```
 */
export function shardSelector(shard: ShardSpec): string {
  if (typeof shard !== 'string' && 'main' in shard) return `!${shardLabel}`;
  const keys = typeof shard === 'string' ? [shard] : [...shard.keys];
  if (keys.length === 0) throw new ShardingError('');
  for (const key of keys) if (!labelValue.test(key)) throw new ShardingError(key);
  return `${shardLabel} in (${keys.join(',')})`;
}

/**
 * Which shard key an object belongs to, or `undefined` for the main instance.
 *
 * @remarks Reads the label only; says nothing of which replica runs.
 * @example
 * ```ts
 * import { shardOf } from '@weft/reconcile-core';
 * shardOf({ metadata: { labels: { 'sharding.fluxcd.io/key': 'shard1' } } }); // 'shard1'
 * ```
 */
export function shardOf(object: { metadata?: { labels?: Record<string, string> } }): string | undefined {
  return object.metadata?.labels?.[shardLabel];
}
