/** A duration as Flux and Go write it (`'1m30s'`, `'500ms'`, `'2h'`), or milliseconds. */
export type Duration = string | number;

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A duration string that does not parse; names the text it was given. */
export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
  constructor(readonly text: string) {
    super(`invalid duration ${JSON.stringify(text)}: expected a Go duration such as "30s", "1m30s" or "500ms"`);
  }
}

/**
 * Converts a Go-style duration (as in Flux's `interval: 1m30s`) to milliseconds.
 *
 * @remarks
 * Accepts what Go's `time.ParseDuration` accepts: a sequence of decimal numbers,
 * each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), optionally signed, and
 * the bare `"0"`. Numbers pass through unchanged, as milliseconds.
 *
 * @throws {@link InvalidDurationError} for anything else, negative results included.
 *
 * @example
 * ```ts
 * import { parseDuration } from '@weft/reconcile-core';
 * parseDuration('1m30s'); // 90000
 * parseDuration(250);     // 250
 * ```
 */
export function parseDuration(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidDurationError(String(value));
    return value;
  }
  const text = value.trim();
  if (text === '0') return 0;
  const pattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let position = 0;
  if (text.startsWith('+')) position = 1;
  if (text.startsWith('-')) throw new InvalidDurationError(value);
  pattern.lastIndex = position;
  let matched = false;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    total += Number(match[1]) * unitMs[match[2]!]!;
    position = pattern.lastIndex;
    matched = true;
  }
  if (!matched || position !== text.length) throw new InvalidDurationError(value);
  return total;
}

/**
 * Formats milliseconds the way Go prints a `time.Duration` (`1m30s`, `500ms`, `0s`),
 * for status messages that users compare with Flux's.
 *
 * @example
 * ```ts
 * import { formatDuration } from '@weft/reconcile-core';
 * formatDuration(90_000); // '1m30s'
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(3));
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}
