import { type ExecutionContext } from '@nestjs/common';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type Target = Function;

/**
 * What a guard reads from a route's decorators, worked out on the route's first request and kept. Decorator
 * metadata does not change once the app runs, and reading it costs several reflect-metadata lookups per request.
 */
export function perRoute<T>(
  compute: (handler: Target, classRef: Target) => T,
): (context: ExecutionContext) => T {
  const byHandler = new WeakMap<Target, WeakMap<Target, T>>();
  return (context) => {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = byHandler.get(handler);
    if (!byClass) byHandler.set(handler, (byClass = new WeakMap()));
    if (!byClass.has(classRef)) byClass.set(classRef, compute(handler, classRef));
    return byClass.get(classRef) as T;
  };
}
