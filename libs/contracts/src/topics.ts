/** Topics per aggregate family and major version; each has a `<topic>.dlq`. Created at start-up, never auto-created. */
export const TOPICS = {
  identityUsers: 'identity.user.v1',
  membershipOrganizations: 'membership.organization.v1',
  identityCommands: 'identity.commands.v1',
  membershipCommands: 'membership.commands.v1',
  notificationCommands: 'notifications.commands.v1',
  notificationDeliveries: 'notifications.deliveries.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export function topicSpecs(
  topics: readonly string[],
  settings: { partitions: number; replicationFactor: number },
): { topic: string; partitions: number; replicationFactor: number }[] {
  return topics.map((topic) => ({
    topic,
    partitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
  }));
}
