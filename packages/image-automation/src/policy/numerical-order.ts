import { NoTagSelectedError } from '../errors.js';
import { parseGoFloat } from '../go-float.js';
import { parseOrder } from './alphabetical-order.js';
import { type TagOrder, emptyList } from './tag-order.js';
import type { NumericalPolicy } from './types.js';

/**
 * The numerical policy, Flux's loop exactly: every candidate must parse as a Go float64 (one
 * that does not fails the whole selection), and a candidate equal to the best so far replaces it.
 */
export function numericalOrder(policy: NumericalPolicy): TagOrder {
  const describe = `numerical policy (${policy.order ?? 'asc'})`;
  const order = parseOrder(describe, policy.order);
  return {
    describe,
    latest(candidates) {
      if (candidates.length === 0) throw emptyList(describe);
      let latest = '';
      let previous = 0;
      candidates.forEach((candidate, index) => {
        const value = parseGoFloat(candidate);
        if (value === undefined) throw new NoTagSelectedError(describe, `failed to parse invalid numeric value '${candidate}'`);
        if (index > 0 && (order === 'asc' ? value < previous : value > previous)) return;
        latest = candidate;
        previous = value;
      });
      return latest;
    },
  };
}
