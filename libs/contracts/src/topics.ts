/** Topics per aggregate family and major version; each has a `<topic>.dlq`. Created at start-up, never auto-created. */
export const TOPICS = {
  identityUsers: 'identity.user.v1',
  membershipOrganizations: 'membership.organization.v1',
  identityCommands: 'identity.commands.v1',
  membershipCommands: 'membership.commands.v1',
  notificationCommands: 'notifications.commands.v1',
  notificationDeliveries: 'notifications.deliveries.v1',
  /** Compacted: the latest public state per aggregate, a tombstone on deletion (docs/contracts.md, "Bootstrapping"). */
  identityUserState: 'identity.user.state.v1',
  membershipOrganizationState: 'membership.organization.state.v1',
} as const;

const HOUR_MS = 3_600_000;
/** Topic settings beyond the broker's defaults. */
const STATE_TOPIC = {
  'cleanup.policy': 'compact',
  // An organization's state holds all its members: room for some tens of thousands.
  'max.message.bytes': String(16 * 1024 * 1024),
  // An erased user's earlier states (their profile) are compacted away within a day, not whenever the cleaner gets to
  // a segment that may stay open for a week; the tombstone stays a week for followers that fall behind.
  'max.compaction.lag.ms': String(24 * HOUR_MS),
  'delete.retention.ms': String(7 * 24 * HOUR_MS),
};
/**
 * Kept `ms`, and really deleted then: Kafka deletes whole segments, and a quiet topic's open segment would otherwise
 * roll only after the broker's week (`segment.ms`), keeping everything in it that long.
 */
const keptFor = (ms: number) => ({ 'retention.ms': String(ms), 'segment.ms': String(ms) });
/**
 * Commands carry secrets on their way (passwords, reset and link tokens), and are useless once their sender stopped
 * waiting: they are kept an hour, not the broker's week. Requested mails wait out a day-long outage of notifications.
 */
const TOPIC_CONFIG: Partial<Record<string, Readonly<Record<string, string>>>> = {
  [TOPICS.identityUserState]: STATE_TOPIC,
  [TOPICS.membershipOrganizationState]: STATE_TOPIC,
  [TOPICS.identityCommands]: keptFor(HOUR_MS),
  [TOPICS.membershipCommands]: keptFor(HOUR_MS),
  [TOPICS.notificationCommands]: keptFor(24 * HOUR_MS),
};
/** Dead-lettered commands stay a day for an operator to look at, no longer (they hold the same secrets). */
const DLQ_CONFIG: Partial<Record<string, Readonly<Record<string, string>>>> = {
  [TOPICS.identityCommands]: keptFor(24 * HOUR_MS),
  [TOPICS.membershipCommands]: keptFor(24 * HOUR_MS),
  [TOPICS.notificationCommands]: keptFor(24 * HOUR_MS),
};

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export function topicSpecs(
  topics: readonly string[],
  settings: { partitions: number; replicationFactor: number },
): {
  topic: string;
  partitions: number;
  replicationFactor: number;
  config?: Readonly<Record<string, string>>;
  dlqConfig?: Readonly<Record<string, string>>;
}[] {
  return topics.map((topic) => ({
    topic,
    partitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    ...(TOPIC_CONFIG[topic] ? { config: TOPIC_CONFIG[topic] } : {}),
    ...(DLQ_CONFIG[topic] ? { dlqConfig: DLQ_CONFIG[topic] } : {}),
  }));
}
