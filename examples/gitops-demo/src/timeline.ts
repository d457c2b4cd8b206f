/**
 * The demo's output: one line per thing that happened, each with the seconds since the start,
 * so a reader can follow the pipeline (and a test can match the lines).
 *
 * Line shapes, after the `[  12.3s]` stamp:
 * - `── step 3/6: a new commit is applied ──` a step begins;
 * - `  ✓ …` / `  ✗ …` a check passed or failed;
 * - `  → …` something the demo did (a commit, an edit);
 * - `    …` what the operator or the cluster did (status, events, change sets).
 */
const useColor = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
const paint = (code: string) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
const dim = paint('2');
const bold = paint('1');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');

/** Where the lines go and when the clock started. */
export class Timeline {
  private readonly started = Date.now();

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** Seconds since the demo started. */
  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  private line(text: string): void {
    this.write(`${dim(`[${this.elapsedSeconds().toFixed(1).padStart(5)}s]`)} ${text}`);
  }

  /** A plain line without a time stamp (titles, the closing instructions). */
  say(text = ''): void {
    this.write(text);
  }

  /** The start of a step (or of the setup). */
  heading(text: string): void {
    this.write('');
    this.line(bold(`── ${text} ──`));
  }

  /** Something the demo itself did: a commit, an edit, a start. */
  action(text: string): void {
    this.line(`  ${cyan('→')} ${text}`);
  }

  /** Something the operator or the cluster did; extra lines are indented under the first. */
  observed(text: string, details: readonly string[] = []): void {
    this.line(`    ${text}`);
    for (const detail of details) this.write(`${' '.repeat(14)}${dim(detail)}`);
  }

  /** A check that passed. */
  ok(text: string): void {
    this.line(`  ${green('✓')} ${text}`);
  }

  /** A check that failed. */
  fail(text: string): void {
    this.line(`  ${red('✗')} ${text}`);
  }
}

/** Every `main@sha1:1a2b3c4d…` in `text` shortened to `main@sha1:1a2b3c4`, as people quote commits. */
export function shortRevision(text: string | undefined): string {
  if (text === undefined || text === '') return '(none)';
  return text.replace(/(sha1:[0-9a-f]{7})[0-9a-f]{33}\b/g, '$1');
}
