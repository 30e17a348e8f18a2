import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';

@Module({})
export class IdentityModule {
  static register(infra: ResolvedInfrastructure): DynamicModule {
    return {
      module: IdentityModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'identity',
          topics: [
            TOPICS.identityUsers,
            TOPICS.identityCommands,
            TOPICS.membershipOrganizations,
            TOPICS.notificationCommands,
          ],
          readStore: true,
        }),
      ],
    };
  }
}
