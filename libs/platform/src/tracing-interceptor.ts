import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, finalize, tap } from 'rxjs';
import { startServerSpan } from '@app/tracing';

/**
 * One span per HTTP request, continuing the caller's `traceparent`, with the handler run inside it: the commands it
 * sends carry the trace on to the bus. Installed only when tracing is on.
 */
export class TracingInterceptor implements NestInterceptor {
  constructor(private readonly service: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
      routeOptions?: { url?: string };
      route?: { path?: string };
    }>();
    const route = req.routeOptions?.url ?? req.route?.path ?? req.url.split('?')[0];
    const incoming = req.headers.traceparent;
    const span = startServerSpan(
      this.service,
      `${req.method} ${route}`,
      typeof incoming === 'string' ? incoming : undefined,
    );
    let failed = false;
    return new Observable((subscriber) =>
      span.run(() =>
        next
          .handle()
          .pipe(
            tap({ error: () => (failed = true) }),
            finalize(() => span.end(failed)),
          )
          .subscribe(subscriber),
      ),
    );
  }
}
