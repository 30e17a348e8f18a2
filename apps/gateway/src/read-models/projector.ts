import { type EventEnvelope } from '@app/contracts';
import { type PermissionsCatalog } from '@app/permissions';
import { erasedValue, isErasedEmail, type AddressSubjects } from '@app/personal-data';
import { type FieldCondition } from '@app/read-store';
import { orgScoped, type MemberDoc, type RoleIntervalDoc, type UserDoc } from './documents';
import { ErasedAddresses } from './erased-addresses';
import {
  needsOf,
  projectOrganizationEvent,
  type Changes,
  type OrganizationEvent,
  type OrganizationView,
} from './organization.projection';
import { type AggregateHistory, type AggregateKind } from './aggregate-history';
import { eraseInviteeInAuditEvents, withField } from './invitee-audit-erasure';
import { findAll, type ReadModels } from './read-models';
import { projectUserEvent, type UserEvent } from './user.projection';

/** Revisions `from` to `to` of an aggregate that reached neither the read models nor can be read back. */
export interface UnfilledGap {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly from: number;
  readonly to: number;
}

/** `membership.MemberJoined.v1` -> `MemberJoined`. */
export const eventName = (type: string) => type.split('.')[1] ?? type;

/**
 * Applies public events to the read models: loads what an event touches, projects it (pure), writes the result with
 * the revision guard. An organization's document moves to every event's revision and is written last, so an event
 * at or below it was applied whole and a redelivery changes nothing; one cut short is applied again.
 *
 * Every event of an aggregate is published, with consecutive revisions. With a `history`, an event that arrives after
 * a gap (revisions the models never saw: written into collections a rebuild had just retired, or never delivered)
 * has the missing ones read back and applied first; projecting it onto the older state would lose what they changed.
 */
export class ReadModelProjector {
  private readonly erasedAddresses: ErasedAddresses;

  constructor(
    private readonly models: ReadModels,
    private readonly catalog: PermissionsCatalog,
    addresses: AddressSubjects,
    private readonly history?: AggregateHistory,
    private readonly onUnfilledGap?: (gap: UnfilledGap) => void,
  ) {
    this.erasedAddresses = new ErasedAddresses(models.erasedAddresses, addresses);
  }

  async apply(envelope: EventEnvelope): Promise<void> {
    if (envelope.type.startsWith('membership.'))
      await this.applyOrganizationEvent(organizationEventOf(envelope));
    else if (envelope.type.startsWith('identity.')) await this.applyUserEvent(userEventOf(envelope));
  }

  async applyOrganizationEvent(event: OrganizationEvent): Promise<void> {
    const org = await this.models.organizations.get(event.orgId);
    if (org && org.revision >= event.revision) return;
    const missing = await this.missingBefore('organization', event.orgId, org?.revision, event.revision);
    if (missing) {
      for (const earlier of missing) await this.applyOrganizationEventInOrder(organizationEventOf(earlier));
      return this.applyOrganizationEventInOrder(event);
    }
    return this.applyOrganizationEventInOrder(event, org);
  }

  /** `org` as loaded, when nothing was applied since. */
  private async applyOrganizationEventInOrder(
    event: OrganizationEvent,
    loaded?: OrganizationView['org'],
  ): Promise<void> {
    const org = loaded ?? (await this.models.organizations.get(event.orgId));
    if (org && org.revision >= event.revision) return;
    if (!org && event.type !== 'OrganizationCreated') return;
    const view = await this.viewFor(event, org);
    const changes = projectOrganizationEvent(view, event, this.catalog);
    if (event.type === 'InviteeErased') {
      const [key] = event.data.erasedKeys as string[];
      await eraseInviteeInAuditEvents(this.models, event.orgId, event.data.invitationIds as string[], key!);
    }
    await this.write(event, changes);
  }

  /**
   * The user's document moves to the event's revision last, as an organization's does: whoever sees it there (a
   * client reading its own write) sees the member documents changed with it.
   */
  async applyUserEvent(event: UserEvent): Promise<void> {
    const stored = await this.userAsStored(event.userId);
    if (stored.revision !== undefined && stored.revision >= event.revision) return;
    const missing = await this.missingBefore('user', event.userId, stored.revision, event.revision);
    if (missing) {
      for (const earlier of missing) await this.applyUserEventInOrder(userEventOf(earlier));
      return this.applyUserEventInOrder(event);
    }
    return this.applyUserEventInOrder(event, stored);
  }

  /** The user's document, and its revision or, once deleted, its tombstone's. */
  private async userAsStored(userId: string): Promise<{ current: UserDoc | null; revision?: number }> {
    const current = await this.models.users.get(userId);
    // A deleted user has no document but a tombstone at its revision: nothing older applies after it.
    const stored = current ?? (await this.models.users.revisionOf(userId));
    return stored ? { current, revision: stored.revision } : { current };
  }

  /** `stored` as loaded, when nothing was applied since. */
  private async applyUserEventInOrder(
    event: UserEvent,
    loaded?: { current: UserDoc | null; revision?: number },
  ): Promise<void> {
    const { current, revision } = loaded ?? (await this.userAsStored(event.userId));
    if (revision !== undefined && revision >= event.revision) return;
    const next = projectUserEvent(current, event);
    if (next === 'deleted') {
      if (current) await this.eraseAddressCopies(current, event.at);
      // Until membership's removal of them is projected (soon, or once membership is back), the person's member
      // documents name them as a replay would: erased.
      await this.models.users.deleteIfNewer(event.userId, event.revision);
      await this.setProfile({ userId: event.userId }, erasedProfile(event.userId, event.revision));
      return;
    }
    if (!next) return;
    // The member documents carry the name and address for search; the user's stream owns them. An event that left
    // both as they were changes nothing there.
    const changed = !current || current.name !== next.name || current.email !== next.email;
    if (changed) await this.setProfile({ userId: event.userId }, profileOf(next));
    await this.models.users.upsertIfNewer(next);
    // An organization event being written meanwhile (here, or by another replica) may have taken the profile from the
    // user's document before it changed (or before there was one): set once more, now that the document has it. That
    // event reads the document again after writing (`keepProfilesCurrent`): one of the two sees the other's write.
    if (changed) await this.setProfile({ userId: event.userId }, profileOf(next));
  }

  /** The events between what is stored (nothing: none yet) and `revision`, when some are missing and can be read. */
  private async missingBefore(
    kind: AggregateKind,
    id: string,
    stored: number | undefined,
    revision: number,
  ): Promise<EventEnvelope[] | undefined> {
    const next = stored === undefined ? 0 : stored + 1;
    if (!this.history || revision <= next) return undefined;
    const missing = await this.history.read(kind, id, next, revision - 1);
    if (missing.length > 0) return missing;
    // Gone from the store (a stream deleted or truncated): the event goes onto the state before the gap, and whoever
    // runs the platform is told, since only a rebuild makes the models whole again.
    this.onUnfilledGap?.({ kind, id, from: next, to: revision - 1 });
    return undefined;
  }

  private async viewFor(event: OrganizationEvent, org: OrganizationView['org']): Promise<OrganizationView> {
    const needs = needsOf(event, org);
    const { members, teams, invitations, roleIntervals } = this.models;
    const inOrg = { where: { orgId: event.orgId } };
    const memberDocs =
      needs.members === 'all'
        ? await findAll(members, inOrg)
        : await many(
            members,
            needs.members.map((u) => orgScoped(event.orgId, u)),
          );
    for (const teamId of needs.membersOfTeams)
      for (const m of await findAll(members, { where: { orgId: event.orgId, teamIds: teamId } }))
        memberDocs.push(m);
    // A member's role interval (R21) names their teams: the teams of every member loaded come too.
    const teamIds =
      needs.teams === 'all' ? 'all' : [...new Set([...needs.teams, ...memberDocs.flatMap((m) => m.teamIds)])];
    const teamDocs =
      teamIds === 'all'
        ? await findAll(teams, inOrg)
        : await many(
            teams,
            teamIds.map((t) => orgScoped(event.orgId, t)),
          );
    const invitationDocs =
      needs.invitations === 'all'
        ? await findAll(invitations, inOrg)
        : await many(
            invitations,
            needs.invitations.map((i) => orgScoped(event.orgId, i)),
          );
    const userIds = [
      ...new Set([
        ...memberDocs.map((m) => m.userId),
        ...(event.type === 'MemberJoined' ? [event.data.userId as string] : []),
      ]),
    ];
    const intervals = new Map<string, RoleIntervalDoc>();
    for (const userId of userIds) {
      const {
        items: [open],
      } = await roleIntervals.find(
        { where: { orgId: event.orgId, userId, validTo: { $exists: false } } },
        { limit: 1 },
      );
      if (open) intervals.set(userId, open);
    }
    return {
      org,
      members: new Map(memberDocs.map((m) => [m.userId, m])),
      teams: new Map(teamDocs.map((t) => [t.teamId, t])),
      invitations: new Map(invitationDocs.map((i) => [i.invitationId, i])),
      intervals,
    };
  }

  private async write(event: OrganizationEvent, changes: Changes): Promise<void> {
    const { models } = this;
    const rev = event.revision;
    await models.auditEvents.upsertIfNewer(changes.audit);
    for (const interval of changes.intervals) await models.roleIntervals.upsertIfNewer(interval);
    const members = await this.withProfiles(changes.members);
    for (const member of members) await models.members.upsertIfNewer(member);
    for (const userId of changes.removedMembers)
      await models.members.deleteIfNewer(orgScoped(event.orgId, userId), rev);
    for (const team of changes.teams) await models.teams.upsertIfNewer(team);
    for (const teamId of changes.removedTeams)
      await models.teams.deleteIfNewer(orgScoped(event.orgId, teamId), rev);
    for (const invitation of changes.invitations) await models.invitations.upsertIfNewer(invitation);
    // Before the organization's document: cut short here, the event is applied again, and these with it.
    await this.keepProfilesCurrent(members);
    await this.eraseLateCopies(changes);
    if (changes.org) await models.organizations.upsertIfNewer(changes.org);
  }

  /**
   * The addresses this event wrote of someone deleted since it was made (an invitation's address dates from the
   * invitation): erased now, as `eraseAddressCopies` did with the copies there were then. Looked for after writing, so a
   * deletion projected meanwhile either finds the copy or is found here.
   */
  private async eraseLateCopies(changes: Changes): Promise<void> {
    const { audit } = changes;
    const inAudit = await this.erasedIn(audit.data, audit.at);
    if (inAudit) {
      let data = audit.data;
      for (const [kind, value] of Object.entries(inAudit)) data = withField(data, kind, value);
      await this.models.auditEvents.updateMany({ where: { _id: audit._id } }, { data });
    }
    for (const invitation of changes.invitations) {
      const inInvitation = await this.erasedIn(invitation, invitation.createdAt);
      if (inInvitation)
        await this.models.invitations.updateMany({ where: { _id: invitation._id } }, inInvitation);
    }
  }

  /** The addresses among `fields` erased since `madeAt`, each with what it reads as now (undefined: left out). */
  private async erasedIn(
    fields: { readonly email?: unknown; readonly phone?: unknown },
    madeAt: string,
  ): Promise<Record<string, string | undefined> | undefined> {
    let erased: Record<string, string | undefined> | undefined;
    for (const kind of ['email', 'phone'] as const) {
      const address = fields[kind];
      if (typeof address !== 'string') continue;
      const since = await this.erasedAddresses.erasedSince(kind, address, madeAt);
      if (since) erased = { ...erased, [kind]: since.value };
    }
    return erased;
  }

  /**
   * A deleted user is erased: the invitations they received (and those events in the audit lists) keep their address
   * only until here. It reads from now on as a replay of those events would: erased under the address's own key.
   */
  private async eraseAddressCopies(user: UserDoc, erasedAt: string): Promise<void> {
    for (const kind of ['email', 'phone'] as const) {
      const address = user[kind];
      // Replayed after the erasure, the address reads as erased already: it has no copies, and nothing names it.
      if (address === undefined || isErasedEmail(address)) continue;
      const subject = await this.erasedAddresses.record(kind, address, erasedAt);
      const erased = erasedValue(kind, subject);
      // A copy made after the erasure (the organizations' topic ahead of the users') is the address's next holder's.
      const before = (madeAt: string) => Date.parse(madeAt) <= Date.parse(erasedAt);
      for (const invitation of await findAll(this.models.invitations, { where: { [kind]: address } }))
        if (before(invitation.createdAt))
          await this.models.invitations.updateMany({ where: { _id: invitation._id } }, { [kind]: erased });
      // By filter, as the invitee's erasure does: the audit list is write-only while a rebuild projects.
      await this.models.auditEvents.updateMany(
        { where: { [`data.${kind}`]: address, at: { $lte: erasedAt } } },
        { [`data.${kind}`]: erased },
      );
    }
  }

  /** The invitation events of an erased invitee, in the organization's audit list, keep no address either. */

  /**
   * The members' names and addresses as the users' documents have them when the members are written: a member
   * document loaded for the event may predate a profile change projected since (the user's events come on another
   * topic). A member whose user has no document keeps what it has.
   */
  private async withProfiles(members: readonly MemberDoc[]): Promise<MemberDoc[]> {
    const users = await this.usersOf(members);
    return members.map((member) => {
      const user = users.get(member.userId);
      if (!user) return member;
      return { ...member, ...profileOf(user) };
    });
  }

  /**
   * Read again once written: a profile change projected between the read and the write (another replica) set the
   * members before this write and the user's document before this read, so this read sees it and sets it here.
   */
  private async keepProfilesCurrent(written: readonly MemberDoc[]): Promise<void> {
    const users = await this.usersOf(written);
    for (const member of written) {
      const user = users.get(member.userId);
      if (user && (member.name !== user.name || member.email !== user.email))
        await this.setProfile({ _id: member._id }, profileOf(user));
      // Deleted meanwhile: the deletion erased the members before this write, which may have copied the profile.
      if (!user) {
        const deleted = await this.models.users.revisionOf(member.userId);
        if (deleted?.deleted)
          await this.setProfile({ _id: member._id }, erasedProfile(member.userId, deleted.revision));
      }
    }
  }

  /**
   * The user's name and address on the member documents `where` selects, unless they carry them from a later
   * revision already: two appliers of one user's events at once (a rebuild's pass after its switch beside another
   * replica's feed, a partition handed over mid-event) never leave an older name in place of a newer one. Documents
   * written before the revision was kept have none, and take any.
   */
  private async setProfile(
    where: Readonly<Record<string, FieldCondition>>,
    profile: MemberProfile,
  ): Promise<void> {
    // Those without one first: the other order lets an older writer set them after a newer one looked for them.
    for (const unlessNewer of [{ $exists: false }, { $lt: profile.profileRevision }])
      await this.models.members.updateMany({ where: { ...where, profileRevision: unlessNewer } }, profile);
  }

  private async usersOf(members: readonly MemberDoc[]): Promise<Map<string, UserDoc>> {
    if (members.length === 0) return new Map();
    const ids = [...new Set(members.map((m) => m.userId))];
    const users = await findAll(this.models.users, {
      where: { _id: ids.length === 1 ? ids[0]! : { $in: ids } },
    });
    return new Map(users.map((user) => [user.userId, user]));
  }
}

/** The revision the user's current name and address come from (documents from before it was kept: their own). */
function profileRevisionOf(user: UserDoc): number {
  return user.profileRevision ?? user.revision;
}

/** What a member document copies of its user, with the user's revision it comes from. */
type MemberProfile = Required<Pick<MemberDoc, 'name' | 'email' | 'profileRevision'>>;

/** What a member document of a deleted user says of them: what a replay of their erased events gives. */
function erasedProfile(userId: string, revision: number): MemberProfile {
  return {
    name: erasedValue('name', userId)!,
    email: erasedValue('email', userId)!,
    profileRevision: revision,
  };
}

function profileOf(user: UserDoc): MemberProfile {
  return { name: user.name, email: user.email, profileRevision: profileRevisionOf(user) };
}

async function many<D extends { _id: string }>(
  collection: { get(id: string): Promise<D | null> },
  ids: readonly string[],
): Promise<D[]> {
  const docs = await Promise.all(ids.map((id) => collection.get(id)));
  return docs.filter((d): d is Awaited<D> => d !== null) as D[];
}

export function organizationEventOf(envelope: EventEnvelope): OrganizationEvent {
  const data = envelope.data as Record<string, unknown>;
  return {
    id: envelope.id,
    type: eventName(envelope.type),
    orgId: envelope.subject,
    revision: Number(envelope.revision),
    actorId: envelope.actor,
    ...(envelope.actingvia ? { actingVia: envelope.actingvia } : {}),
    correlationId: envelope.correlationid,
    at: typeof data.at === 'string' ? data.at : envelope.time,
    data,
  };
}

export function userEventOf(envelope: EventEnvelope): UserEvent {
  const data = envelope.data as Record<string, unknown>;
  return {
    type: eventName(envelope.type),
    userId: envelope.subject,
    revision: Number(envelope.revision),
    at: typeof data.at === 'string' ? data.at : envelope.time,
    data,
  };
}
