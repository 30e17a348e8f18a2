import { Inject, Injectable } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { readRoleDefaultsHistory } from '@app/audit';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { roleDefaultsAt, roleDefaultsOf, type PermissionsCatalog, type Role } from '@app/permissions';
import { PERMISSIONS_CATALOG } from '../gateway.tokens';

/** What a member with a role and grants held. */
export type HeldPermissions = (role: Role, granted: readonly string[]) => string[];

/**
 * R21: permissions as the catalog membership decided with at an instant said (its role defaults are recorded in the
 * event store whenever they change); this gateway's own catalog where nothing was recorded.
 */
@Injectable()
export class PermissionsHistory {
  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
  ) {}

  async heldAt(instant: Date): Promise<HeldPermissions> {
    const defaults =
      roleDefaultsAt(await readRoleDefaultsHistory(this.client), instant) ?? roleDefaultsOf(this.catalog);
    return (role, granted) => [...new Set([...defaults[role], ...granted])].sort();
  }
}
