import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';
import { MembershipCommandServer } from './commands/membership-command-server';
import { MembershipRelay } from './publishing/membership-relay';
import { IdentityReactions } from './reactions/identity-reactions';
import { OrganizationCommandHandler } from './commands/organization-command-handler';
import { AggregateStore } from '@app/event-store';

@Module({})
export class MembershipModule {
  static register(infra: ResolvedInfrastructure): DynamicModule {
    return {
      module: MembershipModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'membership',
          topics: [TOPICS.membershipOrganizations, TOPICS.membershipCommands, TOPICS.identityUsers],
          readStore: false,
        }),
      ],
      providers: [
        {
          provide: OrganizationCommandHandler,
          inject: [AggregateStore],
          useFactory: (store: AggregateStore) => new OrganizationCommandHandler(store),
        },
        MembershipCommandServer,
        MembershipRelay,
        IdentityReactions,
      ],
    };
  }
}
