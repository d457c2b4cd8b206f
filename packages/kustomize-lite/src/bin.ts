#!/usr/bin/env node
// The weft-kustomize executable: kustomize's `build` command over @weft/kustomize-lite.
import { runCli } from './cli.js';

const result = await runCli(process.argv.slice(2));
if (result.stdout !== '') process.stdout.write(result.stdout);
if (result.stderr !== '') process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
