#!/usr/bin/env node
'use strict';
// The weft-kustomize executable. It loads the CLI bundled into one file
// (dist/weft-kustomize.cjs, made by `pnpm build`) with V8's code cache, so a second run skips
// compiling it: Node 22's module compile cache where there is one, otherwise a cache this file
// keeps itself in $XDG_CACHE_HOME/weft-kustomize (~/.cache/weft-kustomize; off with
// WEFT_KUSTOMIZE_CODE_CACHE=0). A cache that does not fit (another Node, another bundle) is
// rejected by V8 and rewritten; a cache that cannot be written is skipped. Each installation keeps
// one file: writing a new one removes that installation's older ones.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'weft-kustomize.cjs');

function fail(message) {
  fs.writeSync(2, `Error: ${message}\n`);
  process.exitCode = 1;
}

function cacheFile(stat) {
  if (process.env.WEFT_KUSTOMIZE_CODE_CACHE === '0') return undefined;
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, '.cache') : undefined);
  if (home === undefined) return undefined;
  const installation = require('node:crypto').createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  const key = `${installation}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.v8`;
  return path.join(home, 'weft-kustomize', key);
}

function writeCache(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}`;
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, file);
    const installation = path.basename(file).split('-')[0];
    for (const name of fs.readdirSync(path.dirname(file))) {
      if (name.startsWith(`${installation}-`) && name !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
  } catch {
    // an unwritable cache only costs the next run its compile time
  }
}

function load() {
  let stat;
  try {
    stat = fs.statSync(bundle);
  } catch {
    return fail(`${bundle} is missing: build the package first (pnpm build)`);
  }
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache();
    return require(bundle).main();
  }
  const vm = require('node:vm');
  const file = cacheFile(stat);
  let cachedData;
  if (file !== undefined) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
  const done = module.exports.main();
  // written after the run, so the functions the build compiled lazily are in it too
  if (file !== undefined && (cachedData === undefined || script.cachedDataRejected)) return done.then(() => writeCache(file, script.createCachedData()));
  return done;
}

Promise.resolve()
  .then(load)
  .catch((error) => fail(error instanceof Error ? error.message : String(error)));
