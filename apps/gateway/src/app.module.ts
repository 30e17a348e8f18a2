import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { ServiceInfrastructureModule, type ResolvedInfrastructure } from '@app/platform';

@Module({})
export class GatewayModule {
  static register(infra: ResolvedInfrastructure): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'gateway',
          topics: [
            TOPICS.identityUsers,
            TOPICS.membershipOrganizations,
            TOPICS.identityCommands,
            TOPICS.membershipCommands,
          ],
          readStore: true,
        }),
      ],
    };
  }
}
