import type { EventEmitter } from 'node:events';

/**
 * Resolves on the first `drain` or `close` of `emitter`, or after `maxWaitMs`; the listeners
 * are removed either way, so a waiter that gives up leaves nothing behind.
 */
export function drainOrClose(emitter: EventEmitter, maxWaitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      emitter.off('drain', done);
      emitter.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, maxWaitMs);
    emitter.once('drain', done);
    emitter.once('close', done);
  });
}
