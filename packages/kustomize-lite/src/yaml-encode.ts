import { formatGoNumber, goYamlV2NeedsQuotes } from './go-yaml-scalars.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/**
 * JSON values written as YAML the way kustomize prints them: sigs.k8s.io/yaml's JSONToYAML, that
 * is go-yaml v2's encoder and libyaml's emitter (keys in go-yaml's order, two-space indentation,
 * sequences in maps not indented, strings quoted when a YAML 1.1 reader would take them for
 * another type, long lines folded at 80 columns, multi-line strings as `|` blocks).
 */

const bestWidth = 80;

/**
 * Strings libyaml writes plain without looking further (given go-yaml would not quote them): no
 * leading indicator (nor `...`), no spaces at all (so no `: ` or ` #`), no `:` at the end,
 * printable ASCII only.
 */
const plainSafe = /^(?!\.\.\.)[A-Za-z0-9_./$(=+~^](?:[A-Za-z0-9_./$()=+~^@,;:!?*&%\[\]{}<>-]*[A-Za-z0-9_./$()=+~^@,;!?*&%\[\]{}<>-])?$/;
const bestIndent = 2;

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

interface ScalarAnalysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

function isPrintable(code: number): boolean {
  return code === 0x0a || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff);
}

function isBreak(code: number | undefined): boolean {
  return code === 0x0a || code === 0x0d || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function isBlank(code: number | undefined): boolean {
  return code === 0x20 || code === 0x09;
}

/** libyaml's yaml_emitter_analyze_scalar, for the block context every value of kustomize's output is in. */
function analyzeScalar(codes: readonly number[]): ScalarAnalysis {
  if (codes.length === 0) return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let tabCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  const first3 = String.fromCodePoint(...codes.slice(0, 3));
  if (first3 === '---' || first3 === '...') blockIndicators = true;
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index] as number;
    const next = codes[index + 1];
    const followedByWhitespace = next === undefined || isBlank(next) || isBreak(next);
    const char = String.fromCodePoint(code);
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(char)) blockIndicators = true;
      else if ((char === '?' || char === ':' || char === '-') && followedByWhitespace) blockIndicators = true;
    } else if (char === ':' && followedByWhitespace) blockIndicators = true;
    else if (char === '#' && precededByWhitespace) blockIndicators = true;
    if (code === 0x09) tabCharacters = true;
    else if (!isPrintable(code)) specialCharacters = true;
    if (code === 0x20) {
      if (index === 0) leadingSpace = true;
      if (index === codes.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(code)) {
      lineBreaks = true;
      if (index === 0) leadingBreak = true;
      if (index === codes.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(code) || isBreak(code);
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || tabCharacters || specialCharacters) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) blockAllowed = false;
  if (lineBreaks) blockPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

function codePoints(text: string): number[] {
  const codes: number[] = [];
  for (const char of text) codes.push(char.codePointAt(0) as number);
  return codes;
}

/** Writes one YAML document with libyaml's emitter state (column, indentation, whitespace). */
class Emitter {
  private readonly parts: string[] = [];
  private column = 0;
  private indent = -1;
  private readonly indents: number[] = [];
  private whitespace = true;
  private indention = true;

  text(): string {
    return this.parts.join('');
  }

  private put(text: string, width = text.length): void {
    this.parts.push(text);
    this.column += width;
  }

  private putBreak(): void {
    this.parts.push('\n');
    this.column = 0;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? bestIndent : 0;
    else if (!indentless) this.indent += bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() as number;
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(indicator);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** Emits a node; `mappingContext` is true for map values and keys (an inner sequence is then not indented). */
  node(value: JsonValue, context: { mapping: boolean; simpleKey: boolean }): void {
    if (Array.isArray(value)) this.sequence(value, context.mapping);
    else if (isJsonMap(value)) this.mapping(value);
    else this.scalar(value, context.simpleKey);
  }

  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  private sequence(items: readonly JsonValue[], mappingContext: boolean): void {
    if (items.length === 0) return this.emptyFlow('[', ']');
    this.increaseIndent(false, mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private mapping(map: JsonMap): void {
    const keys = Object.keys(map).sort(compareGoYamlKeys);
    if (keys.length === 0) return this.emptyFlow('{', '}');
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      if (isSimpleKey(key)) {
        this.scalar(key, true);
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.scalar(key, false);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(map[key] as JsonValue, { mapping: true, simpleKey: false });
    }
    this.popIndent();
  }

  private scalar(value: JsonValue, simpleKey: boolean): void {
    if (typeof value === 'string' && plainSafe.test(value) && !goYamlV2NeedsQuotes(value)) {
      // the common case, written without the character-by-character analysis: a short one-line
      // string of letters, digits and punctuation no YAML indicator starts, which go-yaml writes plain
      this.increaseIndent(true, false);
      if (!this.whitespace) this.put(' ');
      this.put(value);
      this.whitespace = false;
      this.indention = false;
      this.popIndent();
      return;
    }
    let text: string;
    let style: ScalarStyle;
    if (value === null) [text, style] = ['null', 'plain'];
    else if (typeof value === 'boolean') [text, style] = [String(value), 'plain'];
    else if (typeof value === 'number') [text, style] = [formatGoNumber(value), 'plain'];
    else {
      text = value as string;
      // go-yaml v2's stringv: multi-line strings as literal blocks, strings that would read as
      // another type double-quoted
      style = text.includes('\n') ? 'literal' : goYamlV2NeedsQuotes(text) ? 'double' : 'plain';
    }
    const codes = codePoints(text);
    const analysis = analyzeScalar(codes);
    if (simpleKey && analysis.multiline) style = 'double';
    if (style === 'plain' && (!analysis.blockPlainAllowed || (codes.length === 0 && simpleKey))) style = 'single';
    if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!analysis.blockAllowed || simpleKey)) style = 'double';
    this.increaseIndent(true, false);
    const allowBreaks = !simpleKey;
    if (style === 'plain') this.plain(codes, allowBreaks);
    else if (style === 'single') this.singleQuoted(codes, allowBreaks);
    else if (style === 'double') this.doubleQuoted(codes, allowBreaks);
    else this.literal(codes);
    this.popIndent();
  }

  private plain(codes: readonly number[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    let spaces = false;
    for (let index = 0; index < codes.length; index++) {
      const code = codes[index] as number;
      if (code === 0x20) {
        if (allowBreaks && !spaces && this.column > bestWidth && codes[index + 1] !== 0x20) this.writeIndent();
        else this.put(' ');
        spaces = true;
      } else {
        this.put(String.fromCodePoint(code), 1);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private singleQuoted(codes: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let index = 0; index < codes.length; index++) {
      const code = codes[index] as number;
      if (code === 0x20) {
        if (allowBreaks && !spaces && this.column > bestWidth && index > 0 && index < codes.length - 1 && codes[index + 1] !== 0x20) this.writeIndent();
        else this.put(' ');
        spaces = true;
      } else if (isBreak(code)) {
        if (!breaks && code === 0x0a) this.putBreak();
        this.writeBreak(code);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (code === 0x27) this.put("'");
        this.put(String.fromCodePoint(code), 1);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeBreak(code: number): void {
    if (code === 0x0a) this.putBreak();
    else {
      this.parts.push(String.fromCodePoint(code));
      this.column = 0;
    }
  }

  private doubleQuoted(codes: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    // libyaml's is_bom looks at the start of the string, not at the character: after a leading
    // byte order mark every character is escaped
    const escapeAll = codes[0] === 0xfeff;
    let spaces = false;
    for (let index = 0; index < codes.length; index++) {
      const code = codes[index] as number;
      if (escapeAll || !isPrintable(code) || code === 0xfeff || isBreak(code) || code === 0x22 || code === 0x5c) {
        this.put(`\\${escapeOf(code)}`);
        spaces = false;
      } else if (code === 0x20) {
        if (allowBreaks && !spaces && this.column > bestWidth && index > 0 && index < codes.length - 1) {
          this.writeIndent();
          if (codes[index + 1] === 0x20) this.put('\\');
        } else this.put(' ');
        spaces = true;
      } else {
        this.put(String.fromCodePoint(code), 1);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private literal(codes: readonly number[]): void {
    this.writeIndicator('|', true, false, false);
    if (codes[0] === 0x20 || isBreak(codes[0])) this.writeIndicator(String(bestIndent), false, false, false);
    const last = codes[codes.length - 1];
    let chomp = '';
    if (!isBreak(last)) chomp = '-';
    else if (codes.length === 1 || isBreak(codes[codes.length - 2])) chomp = '+';
    if (chomp !== '') this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const code of codes) {
      if (isBreak(code)) {
        this.writeBreak(code);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(String.fromCodePoint(code), 1);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

const namedEscapes: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

function escapeOf(code: number): string {
  const named = namedEscapes[code];
  if (named !== undefined) return named;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `x${hex.padStart(2, '0')}`;
  if (code <= 0xffff) return `u${hex.padStart(4, '0')}`;
  return `U${hex.padStart(8, '0')}`;
}

/** libyaml writes a key inline when it is one line and at most 128 characters long (bytes, as Go counts them). */
function isSimpleKey(key: string): boolean {
  return !/[\n\r\u0085\u2028\u2029]/.test(key) && Buffer.byteLength(key) <= 128;
}

function isLetter(char: string): boolean {
  return /\p{L}/u.test(char);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && /\p{Nd}/u.test(char);
}

/**
 * go-yaml v2's key order (sorter.go keyList.Less) for string keys: runs of digits compare as
 * numbers, letters sort after other characters.
 */
export function compareGoYamlKeys(a: string, b: string): number {
  if (a === b) return 0;
  const left = Array.from(a);
  const right = Array.from(b);
  for (let index = 0; index < left.length && index < right.length; index++) {
    const x = left[index] as string;
    const y = right[index] as string;
    if (x === y) continue;
    const xLetter = isLetter(x);
    const yLetter = isLetter(y);
    if (xLetter && yLetter) return (x.codePointAt(0) as number) - (y.codePointAt(0) as number);
    if (xLetter || yLetter) return yLetter ? -1 : 1;
    let xNumber = 0n;
    let yNumber = 0n;
    if (x === '0' || y === '0') {
      for (let back = index - 1; back >= 0 && isDigit(left[back]); back--) {
        if (left[back] !== '0') {
          xNumber = 1n;
          yNumber = 1n;
          break;
        }
      }
    }
    let xEnd = index;
    for (; xEnd < left.length && isDigit(left[xEnd]); xEnd++) xNumber = xNumber * 10n + BigInt((left[xEnd] as string).codePointAt(0)! - 48);
    let yEnd = index;
    for (; yEnd < right.length && isDigit(right[yEnd]); yEnd++) yNumber = yNumber * 10n + BigInt((right[yEnd] as string).codePointAt(0)! - 48);
    if (xNumber !== yNumber) return xNumber < yNumber ? -1 : 1;
    if (xEnd !== yEnd) return xEnd - yEnd;
    return (x.codePointAt(0) as number) - (y.codePointAt(0) as number);
  }
  return left.length - right.length;
}

/**
 * One JSON value as a YAML document, byte for byte as sigs.k8s.io/yaml's JSONToYAML writes it.
 *
 * @remarks Ends with a newline. Keys are ordered as go-yaml orders them, not as the object lists them.
 */
export function encodeYamlDocument(value: JsonValue): string {
  const emitter = new Emitter();
  emitter.node(value, { mapping: false, simpleKey: false });
  const text = emitter.text();
  return text.endsWith('\n') ? text : `${text}\n`;
}
