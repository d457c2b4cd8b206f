/**
 * A mistake of the person at the keyboard (an unknown verb or flag, a missing name, a kubeconfig
 * that does not exist): printed as one line saying what to do, never with a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The exit code: 2 for a command line that does not parse, 1 for the rest. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
