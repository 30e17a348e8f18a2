import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { recordRoleDefaults } from '@app/audit';
import { type PermissionsCatalog } from '@app/permissions';

/**
 * R21: records the role defaults of the catalog membership decides with, when they differ from those recorded last
 * (a new PERMISSIONS_FILE, a release that changed the catalog), so the roster at a past instant shows what members
 * held then. Start-up waits for the first attempt only: an event store that cannot take it then is tried again in the
 * background, every `retryMs`.
 */
export class RoleDefaultsRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RoleDefaultsRecorder.name);
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly catalog: PermissionsCatalog,
    private readonly retryMs = 5_000,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.record();
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async record(): Promise<void> {
    try {
      if (await recordRoleDefaults(this.client, this.catalog))
        this.logger.log('recorded the role defaults of a changed permissions catalog');
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`could not record the catalog's role defaults, trying again: ${String(error)}`);
      this.retry = setTimeout(() => void this.record(), this.retryMs);
    }
  }
}
