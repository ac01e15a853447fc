import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * The OpenTelemetry context manager that `startTracing` registers: `context.with(ctx, fn)` makes
 * `ctx` the active context for the synchronous run of `fn` only, like a stack. It does not follow
 * a context across `await`s, because doing so (the SDK's default AsyncLocalStorage manager)
 * switches on Node's async hooks for every promise, socket write and tick of the process, sampled
 * or not: in the burst benchmark that alone cost ~20 % CPU per delivery (docs/benchmarks.md,
 * Tracing cost). Span sites start their children synchronously inside `context.with`, and code
 * that awaits first re-enters the context it captured (`captureTraceContext`).
 */
export class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => this.with(context, fn, undefined, ...args)) as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
