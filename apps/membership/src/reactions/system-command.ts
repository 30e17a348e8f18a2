import { type Logger } from '@nestjs/common';
import { type EventEnvelope } from '@app/contracts';
import { DomainError } from '@app/domain';
import { type OrganizationCommandHandler } from '../commands/organization-command-handler';
import { trusted, type TrustedRequest } from '../commands/membership-request';
import { SYSTEM_ACTOR } from '../organizations/organization.decider';

/**
 * A reaction's command, run by the system on `orgId` as caused by `event`. A refusal is logged and the event done
 * with (an organization deleted meanwhile silently); a lost race for the stream fails, so the event comes again.
 */
export async function runSystemCommand(
  commands: OrganizationCommandHandler,
  logger: Logger,
  event: EventEnvelope,
  orgId: string,
  commandId: string,
  command: Record<string, unknown> & { type: string },
): Promise<void> {
  const reply = await commands.execute(
    trusted({
      commandId,
      orgId,
      actorId: SYSTEM_ACTOR,
      causationId: event.id,
      ...(event.correlationid ? { correlationId: event.correlationid } : {}),
      command: command as TrustedRequest['command'],
    }),
  );
  if (!reply.ok && reply.error.code !== 'organization-deleted') {
    throwIfTransient(reply.error.code, `${command.type} in ${orgId}`);
    logger.warn(`${command.type} in ${orgId} refused: ${reply.error.code}`);
  }
}

/**
 * A reaction that lost its race for the stream (another replica appended first, each time it tried) was not refused:
 * it fails with the code, so the bus delivers the event again however long the stream stays busy, rather than
 * dropping it like a refusal or dead-lettering it after its attempts.
 */
export function throwIfTransient(code: string, what: string): void {
  if (code === 'concurrency-conflict')
    throw new DomainError(code, 'conflict', `${what}: ${code}; to be tried again`);
}
