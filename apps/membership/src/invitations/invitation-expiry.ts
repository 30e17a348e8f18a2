import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';
import { MembershipIndexes } from '../indexes/membership-indexes';
import { SYSTEM_ACTOR } from '../organizations/organization.decider';
import { trusted } from '../commands/membership-request';

export const DEFAULT_EXPIRY_SWEEP_MS = 60_000;

/**
 * R5: invitations expire. Acceptance already refuses an expired one; this sweep also records `InvitationExpired`
 * (so read models, notifications and auditors see it) for every pending invitation past its expiry. The command id
 * names the invitation and its send, so two instances sweeping at once expire it once.
 */
@Injectable()
export class InvitationExpiry implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InvitationExpiry.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly indexes: MembershipIndexes,
    private readonly commands: OrganizationCommandHandler,
    private readonly intervalMs: number = DEFAULT_EXPIRY_SWEEP_MS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) =>
          this.logger.warn(`expiry sweep failed, next one retries: ${String(error)}`),
        )
        .finally(() => (this.sweeping = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Before the stores close, so a sweep under way finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  async sweep(): Promise<void> {
    for (const invitation of this.indexes.invitations.due(this.now().toISOString())) {
      await this.commands.execute(
        trusted({
          commandId: `${invitation.invitationId}/expire/${invitation.sendSequence}`,
          orgId: invitation.orgId,
          actorId: SYSTEM_ACTOR,
          command: { type: 'ExpireInvitation', invitationId: invitation.invitationId },
        }),
      );
    }
  }
}
