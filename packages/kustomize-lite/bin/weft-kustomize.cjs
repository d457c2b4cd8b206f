#!/usr/bin/env node
'use strict';
// The weft-kustomize executable.
//
// Build server: a run first asks this installation's build server (src/cli-server.ts) to do the
// build: it sends its arguments, working directory and umask over a local socket and prints the
// reply. A server keeps the CLI loaded and warm, so a run costs little more than Node's start-up.
// When there is none, the run builds in its own process, then starts one in the background for
// the runs after it; it exits after WEFT_KUSTOMIZE_SERVER_IDLE_SECONDS (default 600, read when it
// starts) without a request. WEFT_KUSTOMIZE_SERVER=0 turns this off. Nothing is printed until a
// server's whole reply has arrived: a server that fails, or does not take the request within 2 s
// (stopped, wedged), leaves the run to build in its own process. The socket's folder must be this
// user's and writable by nobody else, or the server is not used.
//
// In its own process it loads the CLI bundled into one file (dist/weft-kustomize.cjs, made by
// `pnpm build`) with V8's code cache, so a second run skips compiling it: Node 22's module compile
// cache where there is one, otherwise a cache this file keeps itself in
// $XDG_CACHE_HOME/weft-kustomize (~/.cache/weft-kustomize; off with WEFT_KUSTOMIZE_CODE_CACHE=0).
// A cache that does not fit (another Node, another bundle) is rejected by V8 and rewritten; a
// cache that cannot be written is skipped. Each installation keeps one file: writing a new one
// removes that installation's older ones.
//
// The bundle is told apart by its path, size, inode, modification and change times: unpacking an
// archive keeps the archive's modification times, but a file written anew always gets a new
// change time.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'weft-kustomize.cjs');
const serveFlag = '--weft-kustomize-serve';

function fail(message) {
  fs.writeSync(2, `Error: ${message}\n`);
  process.exitCode = 1;
}

/**
 * Writes all of `bytes` to a file descriptor, waiting briefly whenever a non-blocking pipe is full.
 * A reader that went away (`| head`) ends the run quietly with 141, as SIGPIPE ends kustomize.
 * Returns whether everything was written.
 */
function writeAll(descriptor, bytes) {
  let pause;
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += fs.writeSync(descriptor, bytes, offset);
    } catch (error) {
      if (error.code === 'EPIPE') {
        process.exitCode = 141;
        return false;
      }
      if (error.code !== 'EAGAIN') throw error;
      pause ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  return true;
}

function cacheHome() {
  return process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, '.cache') : undefined);
}

/** Two 32-bit FNV-1a hashes of a string, as 16 hex digits: names this installation's files without loading node:crypto. */
function shortHash(text) {
  let first = 0x811c9dc5;
  let second = 0x01000193;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193) >>> 0;
    second = Math.imul(second ^ code, 0x01000193) >>> 0;
  }
  return first.toString(16).padStart(8, '0') + second.toString(16).padStart(8, '0');
}

/** What tells this bundle apart from another at the same path. */
function bundleIdentity(stat) {
  return `${stat.size}-${stat.ino}-${Math.trunc(stat.mtimeMs)}-${Math.trunc(stat.ctimeMs)}`;
}

/** Whether nobody but this user can put a socket in the folder; a missing folder the server will create so. */
function isPrivateFolder(folder) {
  try {
    const entry = fs.lstatSync(folder);
    return entry.isDirectory() && entry.uid === process.getuid() && (entry.mode & 0o022) === 0;
  } catch (error) {
    return error.code === 'ENOENT';
  }
}

/** This installation's build server address: one per bundle and Node binary. */
function serverSocket(stat) {
  if (process.env.WEFT_KUSTOMIZE_SERVER === '0') return undefined;
  const key = shortHash(`${bundle}\0${bundleIdentity(stat)}\0${process.execPath}\0${process.version}\0${process.arch}`);
  if (process.platform === 'win32') return `\\\\.\\pipe\\weft-kustomize-${key}`;
  const base = process.env.XDG_RUNTIME_DIR || cacheHome();
  if (base === undefined) return undefined;
  const folder = path.join(base, 'weft-kustomize');
  if (!isPrivateFolder(folder)) return undefined;
  const socket = path.join(folder, `${key}.sock`);
  // a Unix socket path longer than the kernel's limit (108 bytes on Linux, 104 on macOS) cannot be bound
  return Buffer.byteLength(socket) < 104 ? socket : undefined;
}

/** How long a server has to acknowledge a request (a `+`) before the run builds in its own process. */
const acknowledgeMs = 2000;

/**
 * Asks the build server to run the command. Resolves 'done' once its reply is printed,
 * 'no-server' when nobody listens, 'failed' when a server did not acknowledge the request in
 * time (stopped, wedged) or gave no whole reply.
 */
function viaServer(socket) {
  let cwd;
  try {
    cwd = process.cwd();
  } catch {
    // a working directory that was removed: only a build in this process can use absolute paths then
    return Promise.resolve('failed');
  }
  return new Promise((resolve) => {
    const connection = require('node:net').connect(socket);
    const chunks = [];
    let connected = false;
    let unacknowledged;
    connection.on('connect', () => {
      connected = true;
      const request = { argv: process.argv.slice(2), cwd, umask: process.umask() };
      connection.write(`${JSON.stringify(request)}\n`);
      unacknowledged = setTimeout(() => connection.destroy(), acknowledgeMs);
    });
    connection.on('data', (chunk) => {
      clearTimeout(unacknowledged);
      chunks.push(chunk);
    });
    connection.on('error', () => connection.destroy());
    connection.on('close', () => {
      clearTimeout(unacknowledged);
      if (!connected) return resolve('no-server');
      const whole = Buffer.concat(chunks);
      if (whole[0] !== 0x2b) return resolve('failed');
      const reply = whole.subarray(1);
      const newline = reply.indexOf(10);
      let header;
      try {
        header = JSON.parse(reply.subarray(0, newline).toString('utf8'));
      } catch {
        return resolve('failed');
      }
      if (newline < 0 || reply.length !== newline + 1 + header.stdout + header.stderr) return resolve('failed');
      process.exitCode = header.exitCode;
      if (writeAll(1, reply.subarray(newline + 1, newline + 1 + header.stdout))) writeAll(2, reply.subarray(newline + 1 + header.stdout));
      resolve('done');
    });
  });
}

/** What the server's environment keeps of this run's: where its files go, and its own settings. */
const serverEnvironment = ['HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR', 'TMPDIR', 'WEFT_KUSTOMIZE_CODE_CACHE', 'WEFT_KUSTOMIZE_SERVER_IDLE_SECONDS', 'SystemRoot', 'TEMP', 'TMP', 'USERPROFILE', 'LOCALAPPDATA'];

/**
 * Starts a build server in the background, detached from this run's terminal and output. It gets
 * none of the rest of this run's environment (tokens a shell holds stay out of a long-lived process).
 */
function startServer(socket) {
  const env = {};
  for (const name of serverEnvironment) if (process.env[name] !== undefined) env[name] = process.env[name];
  try {
    const child = require('node:child_process').spawn(process.execPath, [__filename, serveFlag, socket], {
      detached: true,
      stdio: 'ignore',
      cwd: path.dirname(__dirname),
      env,
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // without a server, the next run builds in its own process too
  }
}

function codeCacheFile(stat) {
  if (process.env.WEFT_KUSTOMIZE_CODE_CACHE === '0') return undefined;
  const home = cacheHome();
  if (home === undefined) return undefined;
  const installation = shortHash(bundle);
  const key = `${installation}-${shortHash(bundleIdentity(stat))}-${process.version}-${process.arch}.v8`;
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
      if (name.startsWith(`${installation}-`) && name.endsWith('.v8') && name !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
  } catch {
    // an unwritable cache only costs the next run its compile time
  }
}

/** Loads the bundle and runs `use` on its exports; the code cache is written after `use` is done. */
function withBundle(stat, use) {
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache();
    return use(require(bundle));
  }
  const vm = require('node:vm');
  const file = codeCacheFile(stat);
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
  const done = Promise.resolve(use(module.exports));
  // written after the run, so the functions it compiled lazily are in it too
  if (file !== undefined && (cachedData === undefined || script.cachedDataRejected)) return done.then(() => writeCache(file, script.createCachedData()));
  return done;
}

async function run() {
  let stat;
  try {
    stat = fs.statSync(bundle);
  } catch {
    return fail(`${bundle} is missing: build the package first (pnpm build)`);
  }
  if (process.argv[2] === serveFlag && process.argv[3] !== undefined) {
    const idleSeconds = Number(process.env.WEFT_KUSTOMIZE_SERVER_IDLE_SECONDS || 600);
    return withBundle(stat, (exports) => exports.serve({ socket: process.argv[3], idleMs: (idleSeconds > 0 ? idleSeconds : 600) * 1000 }));
  }
  const socket = serverSocket(stat);
  const answered = socket === undefined ? 'no-server' : await viaServer(socket);
  if (answered === 'done') return;
  await withBundle(stat, (exports) => exports.main());
  if (socket !== undefined && answered === 'no-server') startServer(socket);
}

run().catch((error) => fail(error instanceof Error ? error.message : String(error)));
