import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  AggregateStore,
  EVENT_STORE_CLIENT,
  STORED_DATA_PROTECTION,
  type StoredDataProtection,
} from '@app/event-store';
import { loadInvitationTokens } from '@app/invitation-tokens';
import { type PersonalData } from '@app/personal-data';
import { RequestVerifier } from '@app/messaging';
import {
  keyShredderProvider,
  loadSendersKeys,
  PERSONAL_DATA,
  ServiceInfrastructureModule,
  type ResolvedInfrastructure,
} from '@app/platform';
import { PUBLIC_EVENT_MAPPINGS, publishingRelayProvider } from '@app/relay';
import { ROLE_DEFAULTS_STREAM, auditCheckpointsProvider } from '@app/audit';
import { accountDeletion } from './commands/account-deleted';
import { accountLocked } from './commands/account-locked';
import { verifiedAddress } from './commands/verified-address';
import { MembershipCommandServer } from './commands/membership-command-server';
import { OrganizationCommandHandler, organizationStream } from './commands/organization-command-handler';
import { readMembershipConfig, type MembershipConfig } from './config/membership.config';
import { MembershipIndexes } from './indexes/membership-indexes';
import { InvitationExpiry } from './invitations/invitation-expiry';
import { InvitationQueries } from './invitations/invitation-queries';
import { organizationDecider } from './organizations/organization.decider';
import { organizationSnapshots } from './organizations/organization.snapshot';
import { IdentityReactions } from './reactions/identity-reactions';
import { JoinedAccountReactions } from './reactions/joined-account-reactions';
import { ParentReactions } from './reactions/parent-reactions';
import { ErasuresForgetCachedStates } from './reactions/erasures-forget-cached-states';
import { inviteeSealing } from './organizations/personal-fields';
import { RoleDefaultsRecorder } from './catalog/role-defaults-recorder';

export const MEMBERSHIP_SOURCE = PUBLIC_EVENT_MAPPINGS.membership.source;

@Module({})
export class MembershipModule {
  static register(
    infra: ResolvedInfrastructure,
    config: MembershipConfig = readMembershipConfig(),
  ): DynamicModule {
    return {
      module: MembershipModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'membership',
          topics: [TOPICS.membershipOrganizations, TOPICS.membershipCommands, TOPICS.identityUsers],
          readStore: false,
          sealing: (personalData) => inviteeSealing(personalData.addresses),
        }),
      ],
      providers: [
        MembershipIndexes,
        {
          provide: RequestVerifier,
          useFactory: () =>
            new RequestVerifier(
              loadSendersKeys({ dataDir: infra.dataDir, senders: ['gateway', 'identity'] }),
            ),
        },
        {
          provide: OrganizationCommandHandler,
          inject: [
            AggregateStore,
            MembershipIndexes,
            RequestVerifier,
            EVENT_STORE_CLIENT,
            { token: STORED_DATA_PROTECTION, optional: true },
            { token: PERSONAL_DATA, optional: true },
          ],
          useFactory: (
            store: AggregateStore,
            indexes: MembershipIndexes,
            verifier: RequestVerifier,
            client: EventStoreDBClient,
            protection?: StoredDataProtection,
            personalData?: PersonalData,
          ) =>
            new OrganizationCommandHandler(store, {
              ...(personalData ? { addresses: personalData.addresses } : {}),
              verifier,
              catalog: config.catalog,
              invitationLifetimeMs: config.invitationLifetimeMs,
              users: indexes.users,
              accountDeletion: (userId) => accountDeletion(client, userId),
              accountLocked: (userId) => accountLocked(client, userId),
              verifiedEmailOf: (userId) => verifiedAddress(client, userId, protection),
            }),
        },
        {
          provide: InvitationQueries,
          inject: [AggregateStore, MembershipIndexes],
          useFactory: (store: AggregateStore, indexes: MembershipIndexes) =>
            new InvitationQueries({
              tokens: loadInvitationTokens({ dataDir: infra.dataDir }),
              catalog: config.catalog,
              findInvitation: async (invitationId) => {
                if (!indexes.invitations.get(invitationId)) await indexes.catchUp();
                return indexes.invitations.get(invitationId);
              },
              catchUp: () => indexes.catchUp(),
              loadOrganization: async (orgId) => {
                const { state } = await store.load(organizationStream(orgId), {
                  decider: organizationDecider(),
                  snapshots: organizationSnapshots,
                });
                return state.status === 'active' ? state : undefined;
              },
            }),
        },
        {
          provide: InvitationExpiry,
          inject: [MembershipIndexes, OrganizationCommandHandler],
          useFactory: (indexes: MembershipIndexes, commands: OrganizationCommandHandler) =>
            new InvitationExpiry(indexes, commands, config.invitationExpirySweepMs),
        },
        {
          provide: RoleDefaultsRecorder,
          inject: [EVENT_STORE_CLIENT],
          useFactory: (client: EventStoreDBClient) => new RoleDefaultsRecorder(client, config.catalog),
        },
        publishingRelayProvider(PUBLIC_EVENT_MAPPINGS.membership),
        keyShredderProvider('membership-key-shredder', 'organization-'),
        auditCheckpointsProvider(
          'membership',
          [PUBLIC_EVENT_MAPPINGS.membership.streamPrefix],
          // The role defaults it decides with (R21): what a bundle's roster at an instant rests on.
          [ROLE_DEFAULTS_STREAM],
        ),
        MembershipCommandServer,
        IdentityReactions,
        ParentReactions,
        JoinedAccountReactions,
        ErasuresForgetCachedStates,
      ],
    };
  }
}
