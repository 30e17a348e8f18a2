import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { infraEnv } from '@app/testing';
import { groupsAtTopicEnds } from '@app/testing/consumer-groups';
import { readGatewayConfig } from './gateway.config';

/**
 * On the Kafka a test run shares: `READ_MODEL_GROUP` naming a group of the caller's own, it and the state topics'
 * group (which follows it) committed at the end of the change topics, so a gateway of the suite projects only what
 * is published from now on, not what earlier suites left there. Nothing without Kafka.
 */
export async function gatewayGroupsOfItsOwn(): Promise<{ READ_MODEL_GROUP?: string }> {
  if (!infraEnv.kafkaBrokers) return {};
  const env = { READ_MODEL_GROUP: `gateway.read-models.test-${randomUUID().slice(0, 8)}` };
  const { readModelGroup, stateTopicsGroup } = readGatewayConfig(env);
  await groupsAtTopicEnds(
    [readModelGroup, stateTopicsGroup],
    [TOPICS.identityUsers, TOPICS.membershipOrganizations],
  );
  return env;
}
