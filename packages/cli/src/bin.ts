#!/usr/bin/env node
import { runWeft } from './main.js';

// Ctrl-C aborts the command (a watch ends, a wait stops); a second one exits at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // `weft get … | head`: the reader went away.
  if (error.code === 'EPIPE') process.exit(0);
});

// Standard input is touched only when a verb asks (opening it costs start-up time).
async function readLine(prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const { createInterface } = await import('node:readline/promises');
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await lines.question(prompt);
  } finally {
    lines.close();
  }
}

process.exitCode = await runWeft(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), readLine, signal: interrupt.signal });
