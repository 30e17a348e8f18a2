import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  EVENT_STORE_CLIENT,
  STORED_DATA_PROTECTION,
  followIntoMemory,
  type InMemoryIndex,
  type StoredDataProtection,
} from '@app/event-store';
import { InvitationIndex } from './invitation-index';
import { UserDirectory } from './user-directory';
import { UserMemberships } from './user-memberships';

/**
 * The service's small derived indexes, rebuilt from the event store at every start by one follower: who belongs
 * where (R10 reactions), where each invitation lives (links, expiry), and who holds an address (R5).
 */
@Injectable()
export class MembershipIndexes implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MembershipIndexes.name);
  readonly memberships = new UserMemberships();
  readonly invitations = new InvitationIndex();
  readonly users = new UserDirectory();
  private follower: InMemoryIndex | undefined;

  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Optional() @Inject(STORED_DATA_PROTECTION) private readonly protection?: StoredDataProtection,
  ) {}

  onModuleInit(): void {
    this.follower = followIntoMemory({
      name: 'membership-indexes',
      client: this.client,
      ...(this.protection ? { protection: this.protection } : {}),
      apply: (event) => {
        this.memberships.apply(event as never);
        this.invitations.apply(event as never);
        this.users.apply(event as never);
      },
      onError: (error) => this.logger.warn(`index follower will resubscribe: ${String(error)}`),
    });
  }

  /** Waits until the indexes reflect every event in the store now (bounded), before acting on them. */
  catchUp(timeoutMs?: number): Promise<void> {
    return this.follower!.catchUp(timeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }
}
