import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus series, served on `/metrics` by every service. Kept apart from the HTTP platform so the
 * bus, the relay and the services record into one registry without depending on each other.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request latency by route template and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS.slice(0, -1),
  registers: [metricsRegistry],
});

export const commandDuration = new Histogram({
  name: 'command_duration_seconds',
  help: 'Command handling by the service that serves it, by type and outcome (ok, refused, failed, expired)',
  labelNames: ['service', 'command', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const consumerLag = new Gauge({
  name: 'bus_consumer_lag',
  help: 'Messages after the last one handled, to the end of the partition, per consumer group, topic and partition',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

export const messagesHandled = new Counter({
  name: 'bus_messages_handled_total',
  help: 'Messages a consumer group is done with, handled or dead-lettered',
  labelNames: ['group', 'topic', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const consumerCrashes = new Counter({
  name: 'bus_consumer_crashes_total',
  help: 'Kafka consumers that stopped on an error, per group, and who starts them again (kafkajs, or the bus itself)',
  labelNames: ['group', 'restarted_by'] as const,
  registers: [metricsRegistry],
});

export const relayPublished = new Counter({
  name: 'relay_events_published_total',
  help: 'Events a relay published from the event store to the bus',
  labelNames: ['relay'] as const,
  registers: [metricsRegistry],
});

export const relayLeader = new Gauge({
  name: 'relay_leader',
  help: 'Whether this replica holds its relay lease and publishes (1), or waits to take over (0)',
  labelNames: ['relay'] as const,
  registers: [metricsRegistry],
});

export const relayLag = new Gauge({
  name: 'relay_lag_seconds',
  help: 'Age of the newest event a relay published, when it published it: how far the bus is behind the event store',
  labelNames: ['relay'] as const,
  registers: [metricsRegistry],
});

export const notificationDeliveries = new Counter({
  name: 'notifications_deliveries_total',
  help:
    'Delivery attempts by channel and the status they left (sent, pending = retried later, failed, dead), and ' +
    'invitation messages not sent because their recipient had had the hour’s quota (over-quota), and notices not ' +
    'sent because the account’s address was never proven (unverified)',
  labelNames: ['channel', 'status'] as const,
  registers: [metricsRegistry],
});
