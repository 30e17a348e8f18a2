import { Public } from './public-route';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { type NextFunction, type Request, type Response } from 'express';
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

export function requestMetrics(service: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = httpRequestDuration.startTimer({ service, method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route, status: String(res.statusCode) });
    });
    next();
  };
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
