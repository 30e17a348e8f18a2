import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';

@Module({})
export class NotificationsModule {
  static register(infra: ResolvedInfrastructure): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'notifications',
          topics: [TOPICS.notificationCommands, TOPICS.identityUsers, TOPICS.membershipOrganizations],
          readStore: true,
        }),
      ],
    };
  }
}
