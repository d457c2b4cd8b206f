import { InvalidPolicyError } from '../errors.js';
import { type TagOrder, emptyList } from './tag-order.js';
import type { AlphabeticalPolicy, PolicyOrder } from './types.js';

/** Flux upper-cases the order and accepts `''` (ascending), `ASC` and `DESC`. */
export function parseOrder(describe: string, order: string | undefined): PolicyOrder {
  const upper = (order ?? '').toUpperCase();
  if (upper === '' || upper === 'ASC') return 'asc';
  if (upper === 'DESC') return 'desc';
  throw new InvalidPolicyError(describe, `invalid order argument provided: '${upper}', must be one of: ASC, DESC`);
}

/** Go's `sort.Strings` order: bytes of the UTF-8 encoding. */
export function compareBytes(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The alphabetical policy: `asc` selects the last tag in byte order, `desc` the first. */
export function alphabeticalOrder(policy: AlphabeticalPolicy): TagOrder {
  const describe = `alphabetical policy (${policy.order ?? 'asc'})`;
  const order = parseOrder(describe, policy.order);
  return {
    describe,
    latest(candidates) {
      if (candidates.length === 0) throw emptyList(describe);
      let best = candidates[0]!;
      for (const candidate of candidates) {
        const comparison = compareBytes(candidate, best);
        if (order === 'asc' ? comparison > 0 : comparison < 0) best = candidate;
      }
      return best;
    },
  };
}
