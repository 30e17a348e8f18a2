import { Module, type DynamicModule } from '@nestjs/common';
import { EVENT_STORE_CLIENT, EventStoreModule, pingEventStore } from '@app/event-store';
import { HealthModule, MetricsModule, type ResolvedInfrastructure } from '@app/platform';
import { type EventStoreDBClient } from '@eventstore/db-client';

@Module({})
export class MembershipModule {
  static register(infra: ResolvedInfrastructure): DynamicModule {
    return {
      module: MembershipModule,
      imports: [
        EventStoreModule.forRoot(infra.eventStoreConnectionString),
        MetricsModule,
        HealthModule.forChecks({
          inject: [EVENT_STORE_CLIENT],
          useFactory: (client: EventStoreDBClient) => [
            { name: 'eventstore', check: () => pingEventStore(client) },
          ],
        }),
      ],
    };
  }
}
