import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '@app/tracing';
import { waitFor } from '@app/testing';
import { bearer, startPlatform, type Platform } from './platform.testing';

/**
 * One trace from an HTTP request to everything it causes: the gateway's request, the command on the bus and its
 * handling, the append (the trace rides in the event's metadata), the relay's hop to Kafka (in the CloudEvent's
 * `ce_traceparent`), and the projector and the notifier that consume the event.
 */
describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let stopTracing: (() => Promise<void>) | undefined;
  let platform: Platform;
  beforeAll(async () => {
    stopTracing = startTracing('test', { exporter });
    platform = await startPlatform();
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
    await stopTracing?.();
  });

  it('carries one trace id from the HTTP request through the bus, the event store and the relay to the consumers', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Traced');
    const bob = await platform.join(ada, orgId, 'Bob');

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .send({ role: 'admin' })
      .expect(200);

    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const find = (name: string, scope: string) =>
      inTrace().find((s) => s.name === name && s.instrumentationScope.name === scope);
    const consumedBy = (group: string) => find('consume membership.organization.v1', group);
    await waitFor(() => consumedBy(platform.readModelGroup) && consumedBy('notifications.notices'), {
      what: 'the event consumed in the same trace',
    });

    const request = find('PATCH /v1/orgs/:orgId/members/:userId', 'gateway');
    const consumed = find('consume membership.commands.v1', 'membership');
    const command = find('command ChangeMemberRole', 'membership');
    const relay = find('relay membership.MemberRoleChanged.v1', 'membership-relay');
    for (const span of [request, consumed, command, relay]) expect(span).toBeDefined();
    const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId;
    expect(parentOf(request)).toBe('00f067aa0ba902b7'); // the caller's span
    expect(parentOf(consumed)).toBe(request!.spanContext().spanId);
    expect(parentOf(command)).toBe(consumed!.spanContext().spanId);
    expect(parentOf(relay)).toBe(command!.spanContext().spanId);
    expect(parentOf(consumedBy(platform.readModelGroup))).toBe(relay!.spanContext().spanId);
    expect(parentOf(consumedBy('notifications.notices'))).toBe(relay!.spanContext().spanId);
  });
});
