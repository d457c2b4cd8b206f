/**
 * How Go's YAML libraries read and write scalars, which is what decides the values kustomize and
 * kubectl see.
 *
 * kustomize reads resources with kyaml (go-yaml v3: `yes`/`on` are strings, `0755` is octal 493)
 * and kustomization files with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1: `yes`/`on`/`y` are
 * booleans). It writes its output through JSON and go-yaml v2, which quotes every string a YAML
 * 1.1 reader would take for something else; kubectl reads that text with go-yaml v2 again.
 */

/** Which go-yaml resolves plain scalars: v3 (kyaml, resources) or v2 (sigs.k8s.io/yaml, YAML 1.1). */
export type GoYamlVersion = 'v3' | 'v2';

/** The tag go-yaml gives a plain scalar, with its value. Timestamps stay text (go-yaml's interface decoding). */
export type ResolvedScalar =
  | { readonly tag: 'null'; readonly value: null }
  | { readonly tag: 'bool'; readonly value: boolean }
  | { readonly tag: 'int' | 'float'; readonly value: number }
  | { readonly tag: 'str' | 'timestamp'; readonly value: string };

const nullWords = new Set(['', '~', 'null', 'Null', 'NULL']);
const trueWords = new Set(['true', 'True', 'TRUE']);
const falseWords = new Set(['false', 'False', 'FALSE']);
const yaml11True = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const yaml11False = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const specialFloats = new Set(['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF']);

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

/** go-yaml's float syntax (checked before strconv.ParseFloat). */
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/**
 * Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint`: sign (ParseInt only), then `0x`, `0o`, `0b`
 * prefixes, a leading `0` for octal, else decimal. Returns undefined for a syntax error.
 */
function parseGoInteger(text: string, signed: boolean): bigint | undefined {
  let rest = text;
  let negative = false;
  if (signed && (rest.startsWith('+') || rest.startsWith('-'))) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  let digits: RegExp;
  let prefix = '';
  if (/^0[xX]/.test(rest)) {
    digits = /^[0-9a-fA-F]+$/;
    prefix = '0x';
    rest = rest.slice(2);
  } else if (/^0[oO]/.test(rest)) {
    digits = /^[0-7]+$/;
    prefix = '0o';
    rest = rest.slice(2);
  } else if (/^0[bB]/.test(rest)) {
    digits = /^[01]+$/;
    prefix = '0b';
    rest = rest.slice(2);
  } else if (rest.length > 1 && rest.startsWith('0')) {
    digits = /^[0-7]+$/;
    prefix = '0o';
    rest = rest.slice(1);
  } else digits = /^[0-9]+$/;
  if (!digits.test(rest)) return undefined;
  const magnitude = BigInt(`${prefix}${rest}`);
  return negative ? -magnitude : magnitude;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const timestampShape =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?))?$/;

interface GoTimestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fraction digits as written, at most nine. */
  readonly fraction: string;
  /** `Z` or `+hh:mm`/`-hh:mm`; UTC when the text has no zone. */
  readonly zone: string;
}

/** go-yaml's parseTimestamp (Go's time.Parse with its four layouts): the fields, or undefined. */
function parseGoTimestamp(text: string): GoTimestamp | undefined {
  const match = timestampShape.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = Number(match[4] ?? match[9] ?? 0);
  const minute = Number(match[5] ?? match[10] ?? 0);
  const second = Number(match[6] ?? match[11] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = match[8] ?? 'Z';
  if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return undefined;
  return { year, month, day, hour, minute, second, fraction: (match[7] ?? match[12] ?? '').slice(0, 9), zone };
}

/** go-yaml's parseTimestamp: RFC 3339 with short fields, `T`/`t`/space separated, or a date alone. */
export function isGoTimestamp(text: string): boolean {
  return parseGoTimestamp(text) !== undefined;
}

/**
 * A timestamp as kustomize writes an unquoted one it read: Go's time.Time in RFC 3339 with
 * nanoseconds (`2024-01-01` becomes `2024-01-01T00:00:00Z`).
 */
export function formatGoTimestamp(text: string): string {
  const parsed = parseGoTimestamp(text);
  if (parsed === undefined) return text;
  const pad = (value: number): string => String(value).padStart(2, '0');
  const fraction = parsed.fraction.padEnd(9, '0').replace(/0+$/, '');
  const zone = parsed.zone === 'Z' || /^[+-]00:00$/.test(parsed.zone) ? 'Z' : parsed.zone;
  return `${String(parsed.year).padStart(4, '0')}-${pad(parsed.month)}-${pad(parsed.day)}T${pad(parsed.hour)}:${pad(parsed.minute)}:${pad(parsed.second)}${fraction === '' ? '' : `.${fraction}`}${zone}`;
}

/**
 * The tag and value go-yaml gives a plain (unquoted, untagged) scalar.
 *
 * @remarks
 * Integers beyond 2^53 lose precision (a JavaScript number). `<<` is a string here: a plain `<<`
 * key is a merge key, which the decoder handles.
 */
export function resolvePlainScalar(text: string, version: GoYamlVersion): ResolvedScalar {
  if (nullWords.has(text)) return { tag: 'null', value: null };
  const first = text.charCodeAt(0);
  // go-yaml's hint table: only these first characters can start a non-string
  const isDigit = first >= 48 && first <= 57;
  const isSign = first === 43 || first === 45;
  if (trueWords.has(text)) return { tag: 'bool', value: true };
  if (falseWords.has(text)) return { tag: 'bool', value: false };
  if (version === 'v2') {
    if (yaml11True.has(text)) return { tag: 'bool', value: true };
    if (yaml11False.has(text)) return { tag: 'bool', value: false };
  }
  if (specialFloats.has(text)) return { tag: 'float', value: text.includes('nan') || text.includes('NaN') || text.includes('NAN') ? Number.NaN : text.startsWith('-') ? -Infinity : Infinity };
  if (first === 46) {
    // '.': strconv.ParseFloat on the text as written
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
      const value = Number(text);
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
    return { tag: 'str', value: text };
  }
  if (!isDigit && !isSign) return { tag: 'str', value: text };
  if (isGoTimestamp(text)) return { tag: 'timestamp', value: text };
  const plain = text.replaceAll('_', '');
  const signed = parseGoInteger(plain, true);
  if (signed !== undefined && signed >= int64Min && signed <= int64Max) return { tag: 'int', value: Number(signed) };
  const unsigned = parseGoInteger(plain, false);
  if (unsigned !== undefined && unsigned <= uint64Max) return { tag: 'int', value: Number(unsigned) };
  if (yamlStyleFloat.test(plain)) {
    const value = Number(plain);
    if (Number.isFinite(value)) return { tag: 'float', value };
  }
  // go-yaml v2 reads unsigned integers beyond 64 bits (hexadecimal, octal, binary: decimal ones
  // are floats by then) as big integers; v3 leaves them strings
  if (version === 'v2' && unsigned !== undefined) return { tag: 'int', value: Number(unsigned) };
  return { tag: 'str', value: text };
}

/** Whether go-yaml v2 writes a string quoted: it would read back as another type, or as a YAML 1.1 base-60 number. */
export function goYamlV2NeedsQuotes(text: string): boolean {
  return resolvePlainScalar(text, 'v2').tag !== 'str' || isBase60Float(text);
}

/** go-yaml's isBase60Float: YAML 1.1 sexagesimal numbers (`1:20`), quoted on output for older readers. */
export function isBase60Float(text: string): boolean {
  if (text === '') return false;
  const first = text.charCodeAt(0);
  if (!(first === 43 || first === 45 || (first >= 48 && first <= 57)) || !text.includes(':')) return false;
  return base60Float.test(text);
}

/**
 * A number as kustomize prints it: integers (to 64 bits) in decimal, other numbers as Go's
 * `strconv.FormatFloat(f, 'g', -1, 64)` (shortest digits, exponent form below 1e-4 and from 1e6).
 */
export function formatGoNumber(value: number): string {
  if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 64) return BigInt(value).toString();
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(value);
}
