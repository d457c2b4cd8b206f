import type { OutputStream } from '../io.js';

const frames = ['◐', '◓', '◑', '◒'];

/**
 * A line that says what a command waits for. On a terminal it is redrawn in place (a spinner and
 * the elapsed time, a few times a second) and replaced by the outcome; elsewhere each new message
 * is one plain line, and nothing is redrawn, so a log or a pipe gets no escape codes.
 */
export class ProgressLine {
  private text = '';
  private printed = '';
  private frame = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: OutputStream) {
    if (stream.isTTY) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  /** Shows a new message (printed once off a terminal, however often it repeats). */
  update(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (this.stream.isTTY) this.draw();
    else if (text !== this.printed) {
      this.printed = text;
      this.stream.write(`◎ ${text}\n`);
    }
  }

  /** Ends the line with its outcome (kept on a terminal; a plain line elsewhere). */
  done(outcome: string): void {
    if (this.timer) clearInterval(this.timer);
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${outcome}\n` : `${outcome}\n`);
  }

  private draw(): void {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    const line = `${frames[this.frame++ % frames.length]} ${this.text} (${seconds}s)`;
    const width = this.stream.columns ?? 0;
    this.stream.write(`\r\x1b[2K${width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
  }
}
