import { Public } from './public-route';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { httpRequestDuration, metricsRegistry } from '@app/metrics';

export { httpRequestDuration, metricsRegistry };

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
