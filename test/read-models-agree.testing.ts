import { type EventEnvelope } from '@app/contracts';
import { DomainError } from '@app/domain';
import { effectivePermissions, loadPermissionsCatalog } from '@app/permissions';
import { AddressSubjects } from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { invitationsWhere, invitationView, memberView } from '../apps/gateway/src/queries/views';
import { type AggregateHistory } from '../apps/gateway/src/read-models/aggregate-history';
import { ReadModelProjector } from '../apps/gateway/src/read-models/projector';
import { findAll, readModelsOf, type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { type OrganizationCommand } from '../apps/membership/src/organizations/organization.commands';
import { organizationDecider } from '../apps/membership/src/organizations/organization.decider';
import { type OrganizationEvent } from '../apps/membership/src/organizations/organization.events';
import { expired } from '../apps/membership/src/organizations/decide/invitations';
import {
  billableSeats,
  type OrganizationState,
} from '../apps/membership/src/organizations/organization.state';
import { rosterAt } from '../apps/membership/src/organizations/roster-at';

/**
 * The write side (membership's decider, folded) and the read side (the gateway's projection into the in-memory store)
 * after the same events: what the API shows must be what was decided.
 */
export const catalog = loadPermissionsCatalog({});
export const ORG = 'org-1';

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;
/** A command without its time: the run stamps it with its clock. */
export type Intent = WithoutAt<OrganizationCommand>;

interface Recorded {
  readonly event: OrganizationEvent;
  readonly actorId: string;
  readonly actingVia?: string;
}

/** One organization's history as membership decides it, one command at a time, on a clock the test moves. */
export class OrganizationRun {
  private readonly decider = organizationDecider(catalog);
  state: OrganizationState = this.decider.initialState();
  readonly recorded: Recorded[] = [];
  private clock = Date.parse('2026-01-01T00:00:00.000Z');

  now(): string {
    return new Date(this.clock).toISOString();
  }

  wait(ms: number): void {
    this.clock += ms;
  }

  /** Decides `intent` a second after the last step; a refusal records nothing. */
  run(intent: Intent): void {
    this.wait(1000);
    const command = { ...intent, at: this.now() } as OrganizationCommand;
    let events: readonly OrganizationEvent[];
    try {
      events = this.decider.decide(command, this.state);
    } catch (error) {
      if (error instanceof DomainError) return;
      throw error;
    }
    for (const event of events) {
      this.state = this.decider.evolve(this.state, event);
      this.recorded.push({
        event: structuredClone(event),
        actorId: command.actorId,
        ...(command.actorActsAsAdminVia ? { actingVia: command.actorActsAsAdminVia } : {}),
      });
    }
  }

  /** The events as the relay publishes them on `membership.organization.v1`. */
  envelopes(): EventEnvelope[] {
    return this.recorded.map(({ event, actorId, actingVia }, revision) => ({
      ...envelopeOf('membership', ORG, revision, event, actorId),
      tenant: ORG,
      ...(actingVia ? { actingvia: actingVia } : {}),
    }));
  }
}

/** An event of `service`'s aggregate `subject` at `revision`, as the relay publishes it. */
export function envelopeOf(
  service: 'identity' | 'membership',
  subject: string,
  revision: number,
  event: { type: string; data: { at: string } },
  actor: string,
): EventEnvelope {
  return {
    specversion: '1.0',
    id: `${subject}-${revision}`,
    type: `${service}.${event.type}.v1`,
    source: `/${service}`,
    subject,
    time: event.data.at,
    datacontenttype: 'application/json',
    correlationid: 'c',
    causationid: 'c',
    actor,
    revision: String(revision),
    data: structuredClone(event.data),
  };
}

export function projectorInto(history?: AggregateHistory): {
  models: ReadModels;
  projector: ReadModelProjector;
} {
  const models = readModelsOf(new InMemoryReadStore());
  return {
    models,
    projector: new ReadModelProjector(models, catalog, new AddressSubjects(Buffer.alloc(32)), history),
  };
}

/** The store's history, for the projector to fill a gap from (as it reads EventStoreDB). */
export function historyOf(envelopes: readonly EventEnvelope[]): AggregateHistory {
  return {
    read: (kind, _id, from, to) =>
      Promise.resolve(kind === 'organization' ? envelopes.slice(from, to + 1) : []),
  };
}

const sorted = (values: Iterable<string>) => [...values].sort();

/** Where the read models differ from the decided state at `now`, one line each (none when they agree). */
export async function differences(
  state: OrganizationState,
  models: ReadModels,
  now: string,
): Promise<string[]> {
  const found: string[] = [];
  const same = (what: string, written: unknown, read: unknown) => {
    if (JSON.stringify(written) !== JSON.stringify(read))
      found.push(`${what}: decided ${JSON.stringify(written)}, read ${JSON.stringify(read)}`);
  };
  const org = await models.organizations.get(ORG);
  if (state.status === 'none') {
    same('organization exists', false, org !== null);
    return found;
  }
  if (!org) return ['no organization document'];
  const where = { where: { orgId: ORG } };
  const members = await findAll(models.members, where);
  const teams = await findAll(models.teams, where);
  const invitations = await findAll(models.invitations, where);
  same('deleted', state.status === 'deleted', org.deleted === true);
  same('name', state.name, org.name);
  same('owner', state.ownerId, org.ownerId);
  same('contact person', state.contactPersonId ?? null, org.contactPersonId ?? null);
  same('auto-join', state.autoJoin, org.autoJoin);
  same('members edit availability', state.membersMayEditOwnAvailability, org.membersMayEditOwnAvailability);
  same('two-factor required', state.requireTwoFactor, org.requireTwoFactor);
  same('domains', sorted(state.domains.keys()), sorted(org.domains));
  same('parent', state.parentOrgId ?? null, org.parentOrgId ?? null);
  same('children', sorted(state.childOrgIds), sorted(org.childOrgIds));
  same('seats', state.seats, org.seats);
  if (state.status === 'active') {
    same('seats billed', billableSeats(state), org.seats);
    same('member count', state.members.size, org.memberCount);
  }
  same('member ids', sorted(state.members.keys()), sorted(members.map((m) => m.userId)));
  for (const doc of members) {
    const member = state.members.get(doc.userId);
    if (!member) continue;
    const of = `member ${doc.userId}`;
    const permissions = sorted(effectivePermissions(catalog, member.role, member.granted));
    same(`${of} role`, member.role, doc.role);
    same(`${of} granted`, sorted(member.granted), sorted(doc.granted));
    same(`${of} permissions shown`, permissions, memberView(doc, catalog).permissions);
    same(`${of} permissions kept`, permissions, sorted(doc.permissions));
    same(`${of} schedulable`, member.schedulable, doc.schedulable);
    same(`${of} contact person`, state.contactPersonId === doc.userId, doc.contactPerson);
    const inTeams = [...state.teams.values()].filter((team) => team.members.has(doc.userId));
    same(`${of} teams`, sorted(inTeams.map((t) => t.teamId)), sorted(doc.teamIds));
    const manages = inTeams.filter((team) => team.members.get(doc.userId) === 'manager');
    same(`${of} managed teams`, sorted(manages.map((t) => t.teamId)), sorted(doc.managedTeamIds));
    same(`${of} availability`, member.availability ?? null, doc.availability ?? null);
    same(`${of} joined`, member.joinedAt, doc.joinedAt);
    same(`${of} organization name`, state.name, doc.orgName);
  }
  same('team ids', sorted(state.teams.keys()), sorted(teams.map((t) => t.teamId)));
  for (const doc of teams) {
    const team = state.teams.get(doc.teamId);
    if (!team) continue;
    same(`team ${doc.teamId} name`, team.name, doc.name);
    same(
      `team ${doc.teamId} members`,
      [...team.members].map(([userId, role]) => `${userId}:${role}`).sort(),
      doc.members.map((m) => `${m.userId}:${m.role}`).sort(),
    );
  }
  same('invitation ids', sorted(state.invitations.keys()), sorted(invitations.map((i) => i.invitationId)));
  const listed = async (status: 'pending' | 'expired') =>
    sorted(
      (await findAll(models.invitations, { where: invitationsWhere(ORG, status, now) })).map(
        (i) => i.invitationId,
      ),
    );
  const decidedStatus = new Map(
    [...state.invitations.values()].map((i) => [
      i.invitationId,
      i.status === 'pending' && expired(i, now) ? 'expired' : i.status,
    ]),
  );
  for (const status of ['pending', 'expired'] as const)
    same(
      `invitations listed ${status}`,
      sorted([...decidedStatus].filter(([, s]) => s === status).map(([id]) => id)),
      await listed(status),
    );
  for (const doc of invitations) {
    const invitation = state.invitations.get(doc.invitationId);
    if (!invitation) continue;
    const of = `invitation ${doc.invitationId}`;
    same(`${of} status`, decidedStatus.get(doc.invitationId), invitationView(doc, new Date(now)).status);
    same(`${of} role`, invitation.role, doc.role);
    same(`${of} teams`, sorted(invitation.teamIds), sorted(doc.teamIds));
    same(`${of} permissions`, sorted(invitation.permissions), sorted(doc.permissions));
    same(`${of} send sequence`, invitation.sendSequence, doc.sendSequence);
    same(`${of} expiry`, invitation.expiresAt, doc.expiresAt);
    same(`${of} accepted by`, invitation.acceptedBy ?? null, doc.acceptedBy ?? null);
    same(`${of} given by`, invitation.grantedBy, doc.grantedBy);
    same(`${of} phone`, invitation.phone ?? null, doc.phone ?? null);
    if (invitation.email !== undefined) same(`${of} email`, invitation.email, doc.email);
  }
  return found;
}

/** R21: the roster the read models answer for `instant` against the one folded from the decided events. */
export async function rosterDifferences(
  run: OrganizationRun,
  models: ReadModels,
  instant: string,
): Promise<string[]> {
  const decided = rosterAt(
    run.recorded.map((r) => r.event),
    new Date(instant),
    catalog,
  ).map(({ userId, role, granted, teams }) => ({ userId, role, granted, teams }));
  const intervals = await findAll(models.roleIntervals, { where: { orgId: ORG } });
  const read = intervals
    .filter((i) => i.validFrom <= instant && !(i.validTo && i.validTo <= instant))
    .map((i) => ({
      userId: i.userId,
      role: i.role,
      granted: sorted(i.granted ?? []),
      teams: [...i.teams].sort((a, b) => a.teamId.localeCompare(b.teamId)),
    }))
    .sort((a, b) => a.userId.localeCompare(b.userId));
  return JSON.stringify(decided) === JSON.stringify(read)
    ? []
    : [`roster at ${instant}: decided ${JSON.stringify(decided)}, read ${JSON.stringify(read)}`];
}

export function described(run: OrganizationRun): string {
  return run.recorded.map((r, i) => `${i} ${r.event.type} ${JSON.stringify(r.event.data)}`).join('\n');
}
