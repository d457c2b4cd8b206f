const DECIMAL = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;
const SPECIAL = /^(?:[+-]?(?:inf|infinity)|nan)$/i;

/**
 * Go's `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1p-2`) literals with `_`
 * between digits, `Inf`/`Infinity` (signed, any case) and `NaN` (unsigned); a value beyond
 * the float64 range is an error, as in Go.
 *
 * @returns the number, or `undefined` where Go returns an error.
 * @example
 * ```ts
 * import { parseGoFloat } from '@weft/image-automation';
 * parseGoFloat('1_000'); // 1000
 * parseGoFloat('1e400'); // undefined (out of range)
 * ```
 */
export function parseGoFloat(text: string): number | undefined {
  if (SPECIAL.test(text)) {
    const lower = text.toLowerCase();
    if (lower === 'nan') return Number.NaN;
    return lower.startsWith('-') ? -Infinity : Infinity;
  }
  if (text.includes('_') && !underscoresBetweenDigits(text)) return undefined;
  const hex = HEXADECIMAL.exec(text);
  if (hex) {
    const whole = hex[2]!.replaceAll('_', '');
    const fraction = (hex[3] ?? '').replaceAll('_', '');
    if (whole === '' && fraction === '') return undefined;
    const mantissa = BigInt(`0x${whole}${fraction}` === '0x' ? '0' : `0x${whole}${fraction}`);
    const exponent = Number(hex[4]!.replaceAll('_', '')) - 4 * fraction.length;
    const value = Number(mantissa) * 2 ** exponent;
    if (!Number.isFinite(value)) return undefined;
    return hex[1] === '-' ? -value : value;
  }
  if (!DECIMAL.test(text)) return undefined;
  const cleaned = text.replaceAll('_', '');
  if (!/[0-9]/.test(cleaned.split(/[eE]/)[0]!) || /[eE][+-]?$/.test(cleaned)) return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : undefined;
}

/** Go's `underscoreOK`: each `_` sits between digits (a base prefix counts as a digit). */
function underscoresBetweenDigits(text: string): boolean {
  let body = text;
  if (body.startsWith('+') || body.startsWith('-')) body = body.slice(1);
  let saw: '^' | '0' | '_' | '!' = '^';
  let i = 0;
  let hex = false;
  if (body.length >= 2 && body[0] === '0' && 'bBoOxX'.includes(body[1]!)) {
    i = 2;
    saw = '0';
    hex = body[1] === 'x' || body[1] === 'X';
  }
  for (; i < body.length; i++) {
    const c = body[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}
