#!/usr/bin/env node
// CommonJS (bin/package.json), so these lines run before anything uses
// libuv's thread pool: an ES module entry is itself read through the pool,
// which fixes its size (4 by default) before its first line runs. A sync
// keeps dozens of file calls (fsyncs above all) waiting on the disk at once,
// and its staging worker shares the pool: with 4 threads they queue behind
// each other. 8 took as little CPU as 4 (16 took about a tenth more, in
// context switches). A size the user set is kept; ours does not reach
// child processes.
'use strict';
const { access } = require('node:fs');

const POOL_THREADS = '8';
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = POOL_THREADS;
  // The first call handed to the pool starts it with the size set now.
  access(__filename, () => undefined);
  delete process.env.UV_THREADPOOL_SIZE;
}

import('../dist/app/main.js').then(({ run }) => run(process.argv.slice(2)));
