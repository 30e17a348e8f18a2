import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export { SpanKind };

let enabled = false;

/** Whether spans are recorded in this process (instrumentation that costs something when off checks first). */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * OpenTelemetry for the process: on when OTLP is configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and the rest of `OTEL_*` as the exporter reads them) or a test hands in
 * an exporter; off otherwise, when every span below is a no-op and nothing is carried. Returns a stop function.
 */
export function startTracing(
  service: string,
  options: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv } = {},
): (() => Promise<void>) | undefined {
  const env = options.env ?? process.env;
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!options.exporter && (!otlp || env.OTEL_SDK_DISABLED === 'true')) return undefined;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? service }),
    spanProcessors: [
      options.exporter
        ? new SimpleSpanProcessor(options.exporter)
        : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
  });
  provider.register(); // AsyncLocalStorage context, W3C trace context propagation
  enabled = true;
  return async () => {
    enabled = false;
    await provider.shutdown();
  };
}

/** The W3C `traceparent` of the active span, if there is one being recorded. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs `work` in a span of `service` named `name`, child of `traceparent` when given (a message's, an event's), else
 * of the active span. The span ends with the work; a throw marks it as an error.
 */
export function inSpan<T>(
  service: string,
  name: string,
  options: { kind?: SpanKind; traceparent?: string; attributes?: Attributes },
  work: () => Promise<T>,
): Promise<T> {
  const parent = options.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: options.traceparent })
    : context.active();
  return trace.getTracer(service).startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: { 'service.component': service, ...options.attributes },
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error instanceof Error ? error : new Error(String(error)));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A span for a hop that does no work of its own worth timing (the relay handing an event on): started and ended at
 * once as a child of `traceparent`; returns its own traceparent for the next hop, or the given one when tracing is off.
 */
export function hop(
  service: string,
  name: string,
  traceparent: string | undefined,
  kind = SpanKind.PRODUCER,
) {
  if (!traceparent) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
  const span = trace
    .getTracer(service)
    .startSpan(name, { kind, attributes: { 'service.component': service } }, parent);
  span.end();
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  return carrier.traceparent ?? traceparent;
}

/** Runs `run` with the context of `traceparent` (or the current one) active, and a server span around it. */
export function startServerSpan(service: string, name: string, traceparent: string | undefined) {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active();
  const span = trace
    .getTracer(service)
    .startSpan(name, { kind: SpanKind.SERVER, attributes: { 'service.component': service } }, parent);
  const active = trace.setSpan(parent, span);
  return {
    run: <T>(work: () => T): T => context.with(active, work),
    end: (failed: boolean) => {
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
