import { NoTagSelectedError } from '../errors.js';
import { parseOrder } from './alphabetical-order.js';
import { compareDigits } from './semver-order.js';
import { type TagOrder, emptyList } from './tag-order.js';
import type { CalverPolicy } from './types.js';

const CALVER = /^v?([0-9]+(?:\.[0-9]+)*)$/;

/** The CalVer policy (Weft's): dot-separated numbers compared one by one; ties to the earlier candidate. */
export function calverOrder(policy: CalverPolicy): TagOrder {
  const describe = `calver policy (${policy.order ?? 'asc'})`;
  const order = parseOrder(describe, policy.order);
  return {
    describe,
    latest(candidates) {
      if (candidates.length === 0) throw emptyList(describe);
      let best: { tag: string; segments: string[] } | undefined;
      for (const candidate of candidates) {
        const match = CALVER.exec(candidate);
        if (!match) continue;
        const segments = match[1]!.split('.');
        if (best === undefined) {
          best = { tag: candidate, segments };
          continue;
        }
        const comparison = compareSegments(segments, best.segments);
        if (order === 'asc' ? comparison > 0 : comparison < 0) best = { tag: candidate, segments };
      }
      if (best === undefined) throw new NoTagSelectedError(describe, 'no tag is a calendar version (numbers separated by dots)');
      return best.tag;
    },
  };
}

function compareSegments(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (order !== 0) return order;
  }
  return 0;
}
