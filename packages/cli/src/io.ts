/** A stream the command writes to: `process.stdout` or a test's buffer. */
export interface OutputStream {
  /** Writes text as it is (lines end with a newline). */
  write(text: string): unknown;
  /** Whether it is a terminal: colour, redrawing in place and progress lines need one. */
  readonly isTTY?: boolean | undefined;
  /** The terminal's width, when it is one. */
  readonly columns?: number | undefined;
  /** The terminal's height, when it is one. */
  readonly rows?: number | undefined;
}

/** Where `runWeft` reads and writes: the process's own streams and environment, or a test's. */
export interface WeftIo {
  /** Results: tables, YAML, JSON, diffs. */
  readonly stdout: OutputStream;
  /** Progress, confirmations and errors. */
  readonly stderr: OutputStream;
  /** The environment (`KUBECONFIG`, `HOME`, `NO_COLOR`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths (`--path`, `--kubeconfig`) are resolved against. */
  readonly cwd: string;
  /** Answers to confirmations (`weft uninstall`); undefined (or no function) when there is no terminal to ask on. */
  readonly readLine?: ((prompt: string) => Promise<string | undefined>) | undefined;
  /** Aborting stops the command (Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}
