// @ts-check
/**
 * stdout as the orchestrator reads it: synchronous, whole writes (the order of lines is exact), and
 * the `\u001eEND <requestId>` marker written right before an invocation's result is posted, which
 * tells the orchestrator that every log line of that invocation has been read.
 */
'use strict';

const fs = require('fs');

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * @param {string} text
 * @param {number} [fd]
 */
function writeSync(text, fd = 1) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  let spins = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      // stdout turned non-blocking (someone used process.stdout) and the pipe is full: wait a bit.
      if (code === 'EAGAIN' && spins++ < 100000) {
        Atomics.wait(sleepCell, 0, 0, 1);
        continue;
      }
      return; // stdout gone (EPIPE...): nothing sensible left to do with a log line
    }
  }
}

/** @param {string} requestId */
function writeEndMarker(requestId) {
  writeSync(`\u001eEND ${requestId}\n`);
}

/**
 * process.stdout / process.stderr, once the function has used them. Their writes to a pipe may be
 * queued (a large write, a full pipe), so the end marker waits for them: it must come last.
 * @type {NodeJS.WriteStream[]}
 */
const usedStdio = [];

function trackStdio() {
  for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
    const desc = Object.getOwnPropertyDescriptor(process, name);
    const get = desc && desc.get;
    if (!desc || !get || !desc.configurable) continue;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: desc.enumerable,
      get() {
        const stream = get.call(process);
        if (!usedStdio.includes(stream)) usedStdio.push(stream);
        return stream;
      },
    });
  }
}

/**
 * Calls `done` once process.stdout/stderr hold no queued output (at once, synchronously, when
 * they hold none; after 2 s at most).
 * @param {() => void} done
 */
function whenStdioFlushed(done) {
  const pending = () => usedStdio.some((s) => s.writableLength > 0);
  if (!pending()) return done();
  const giveUpAt = Date.now() + 2000;
  const poll = () => (pending() && Date.now() < giveUpAt ? setTimeout(poll, 1) : done());
  setTimeout(poll, 1);
}

/** @param {unknown} err */
function reportRuntimeFailure(err) {
  writeSync(`lambda runtime: ${err instanceof Error ? err.stack || err.message : String(err)}\n`, 2);
}

module.exports = { writeSync, writeEndMarker, trackStdio, whenStdioFlushed, reportRuntimeFailure };
