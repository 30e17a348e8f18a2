import { Public } from './public-route';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; each service labels its series with `service`. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by route and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

/**
 * Times one request from its arrival to its last byte. `routeOf` names the matched route pattern once the response
 * is finished (each adapter keeps it in its own place), so the label set stays small.
 */
export function timeRequest(
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: () => string | undefined,
): void {
  const end = httpRequestDuration.startTimer({ service, method: req.method ?? 'UNKNOWN' });
  res.once('finish', () => end({ route: routeOf() ?? 'unmatched', status: String(res.statusCode) }));
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
