import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/domain';
import { SYSTEM_ACTOR, type CommandOf } from '../../organizations/organization.commands';
import { trusted, type TrustedRequest } from '../membership-request';
import { type OrganizationResult, type OrganizationStreams } from '../organization-streams';

/** A workflow over two organizations: the result on the requested one, and where it left the other. */
export interface TwoOrganizationsResult {
  readonly result: OrganizationResult;
  /** Absent when the other organization was not touched. */
  readonly other?: { readonly orgId: string; readonly result: OrganizationResult };
}

/** R19: how far up a chain of parents the cycle check looks. */
const MAX_DEPTH = 32;

/**
 * R19: the parent's Owner or Admin links a child whose Owner they are. The parent's rules are checked
 * first (a dry run), then the child records its parent (the child's stream is the one-parent guard), then the parent
 * records the child. Cycles are refused by walking the parent's ancestors. The child's side is taken back whenever the
 * parent does not record the link (a cycle seen once the child's side is in, a refusal on the parent's side, or a
 * retried command answered as a duplicate of a link undone since). A retried command id converges: the parent's side
 * is idempotent by its id, the child's by what it holds.
 */
export async function linkChild(
  streams: OrganizationStreams,
  request: TrustedRequest,
  command: CommandOf<'LinkChildOrganization'>,
): Promise<TwoOrganizationsResult> {
  streams.aggregate.decider.decide(command, await streams.state(request.orgId));
  // Only the child's members learn more of it than that it is not found (R13): whether it exists, was deleted,
  // requires a second factor or sits above this organization.
  if (!(await streams.active(command.childOrgId))?.members.has(command.actorId))
    throw new DomainError('organization-not-found', 'not-found', 'no such child organization', {
      field: 'childOrgId',
    });
  if (await isAncestorOf(streams, command.childOrgId, request.orgId)) throw linkCycle();
  await forgetDeletedParent(streams, request, command.childOrgId, command.at);
  // The child's side is idempotent by what it holds (its parent again is no change), so each attempt has an id of its
  // own: a retry after the side was taken back records it again, and looks again.
  const attached = await streams.run(
    command.childOrgId,
    step(request, command.childOrgId, `attach/${randomUUID()}`, {
      type: 'AttachToParent',
      parentOrgId: request.orgId,
    }),
    {
      type: 'AttachToParent',
      parentOrgId: request.orgId,
      actorId: command.actorId,
      at: command.at,
      ...(command.actorTwoFactor ? { actorTwoFactor: true } : {}),
    },
  );
  // Two links made at once the other way round (A under B, B under A) each passed the check above before the other
  // was recorded: looked at again now that this one is, at least one of them sees the cycle and takes its link back.
  if (await isAncestorOf(streams, command.childOrgId, request.orgId)) {
    await detachUnlessLinked(streams, request, command).catch(() => undefined);
    throw linkCycle();
  }
  let result: OrganizationResult;
  try {
    result = await streams.run(request.orgId, request, command);
  } catch (error) {
    // Refused on the parent's side after all (the actor demoted meanwhile): the child does not keep naming a parent
    // whose customers.manage holders would act in it as Admins.
    await detachUnlessLinked(streams, request, command).catch(() => undefined);
    throw error;
  }
  // Answered as a duplicate of a link undone since: the link is not made again.
  await detachUnlessLinked(streams, request, command);
  // The child deleted meanwhile (after its side was linked, before the parent's): its deletion found no link on the
  // parent's side to end, so the parent's side is ended here.
  if ((await streams.state(command.childOrgId)).status === 'deleted')
    await endLinksOfDeleted(streams, { ...request, orgId: command.childOrgId }, command.at);
  return { result, other: { orgId: command.childOrgId, result: attached } };
}

/** The child forgets this parent unless the parent records the link (the system acts on the child's side). */
async function detachUnlessLinked(
  streams: OrganizationStreams,
  request: TrustedRequest,
  command: CommandOf<'LinkChildOrganization'>,
): Promise<void> {
  const parent = await streams.state(request.orgId);
  if (parent.status === 'active' && parent.childOrgIds.has(command.childOrgId)) return;
  await detach(
    streams,
    request,
    command.childOrgId,
    request.orgId,
    `undo-attach/${randomUUID()}`,
    command.at,
  );
}

/**
 * R10, R19: a deleted organization's links end with it. Its children forget it (nobody is left in it to unlink them,
 * and they may be linked elsewhere), and its parent stops listing it. Each side is touched only while it still names
 * the other, so running this again changes nothing.
 */
export async function endLinksOfDeleted(
  streams: OrganizationStreams,
  request: TrustedRequest,
  at: string,
): Promise<void> {
  const deleted = await streams.state(request.orgId);
  if (deleted.status !== 'deleted') return;
  for (const childOrgId of deleted.childOrgIds)
    if ((await streams.active(childOrgId))?.parentOrgId === request.orgId)
      await detach(streams, request, childOrgId, request.orgId, `detach-deleted-parent/${childOrgId}`, at);
  const parentOrgId = deleted.parentOrgId;
  if (parentOrgId === undefined || !(await streams.active(parentOrgId))?.childOrgIds.has(request.orgId))
    return;
  const unlink = { type: 'UnlinkChildOrganization' as const, childOrgId: request.orgId };
  await streams.run(parentOrgId, step(request, parentOrgId, 'unlink-deleted-child', unlink, SYSTEM_ACTOR), {
    ...unlink,
    actorId: SYSTEM_ACTOR,
    at,
  });
}

/**
 * A child that still names a deleted parent (its deletion's own unlinking cut short, or made before deletions ended
 * links) forgets it before it is linked anew.
 */
async function forgetDeletedParent(
  streams: OrganizationStreams,
  request: TrustedRequest,
  childOrgId: string,
  at: string,
): Promise<void> {
  const parentOrgId = (await streams.active(childOrgId))?.parentOrgId;
  if (parentOrgId === undefined || parentOrgId === request.orgId) return;
  if ((await streams.state(parentOrgId)).status !== 'deleted') return;
  await detach(streams, request, childOrgId, parentOrgId, `forget-deleted-parent/${parentOrgId}`, at);
}

/** The system takes `parentOrgId` off the child's side of a link. */
async function detach(
  streams: OrganizationStreams,
  request: TrustedRequest,
  childOrgId: string,
  parentOrgId: string,
  stepName: string,
  at: string,
): Promise<OrganizationResult> {
  const command = { type: 'DetachFromParent' as const, parentOrgId };
  return streams.run(childOrgId, step(request, childOrgId, stepName, command, SYSTEM_ACTOR), {
    ...command,
    actorId: SYSTEM_ACTOR,
    at,
  });
}

/** Whether `candidate` is `orgId` or one of its parents, walking up at most `MAX_DEPTH` links. */
async function isAncestorOf(
  streams: OrganizationStreams,
  candidate: string,
  orgId: string,
): Promise<boolean> {
  for (let ancestor: string | undefined = orgId, depth = 0; ancestor && depth < MAX_DEPTH; depth++) {
    if (ancestor === candidate) return true;
    ancestor = (await streams.active(ancestor))?.parentOrgId;
  }
  return false;
}

function linkCycle(): DomainError {
  return new DomainError('organization-link-cycle', 'rule-violation', 'the link would make a cycle (R19)');
}

/**
 * The parent's Owner or Admin unlinks; the child then forgets its parent (the system acts on the child's side). The
 * child is touched only while it names this parent, which also mends a link left half undone; anything else is the
 * parent's no-op, so the answer says nothing of an organization that is not this one's child.
 */
export async function unlinkChild(
  streams: OrganizationStreams,
  request: TrustedRequest,
  command: CommandOf<'UnlinkChildOrganization'>,
): Promise<TwoOrganizationsResult> {
  const result = await streams.run(request.orgId, request, command);
  if ((await streams.active(command.childOrgId))?.parentOrgId !== request.orgId) return { result };
  const detached = await detach(streams, request, command.childOrgId, request.orgId, 'detach', command.at);
  return { result, other: { orgId: command.childOrgId, result: detached } };
}

/**
 * One step of a workflow, on this stream or another: its own command id, caused by the request. A step taken by the
 * request's actor keeps what the gateway vouched for them (a second factor for R22, operator standing).
 */
export function step(
  request: TrustedRequest,
  orgId: string,
  name: string,
  command: TrustedRequest['command'] | { type: string; [field: string]: unknown },
  actorId = request.actorId,
): TrustedRequest {
  return trusted({
    commandId: `${request.commandId}/${name}`,
    orgId,
    actorId,
    causationId: request.commandId,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    ...(actorId === request.actorId && request.actorTwoFactor ? { actorTwoFactor: true } : {}),
    ...(actorId === request.actorId && request.actorIsOperator ? { actorIsOperator: true } : {}),
    command: command as TrustedRequest['command'],
  });
}
