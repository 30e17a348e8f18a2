import { noProtection, type StoredDataProtection } from '@app/event-store';
import { isErasedEmail } from '@app/personal-data';
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError,
  type EventStoreDBClient,
} from '@eventstore/db-client';

const localeIn = (data: Record<string, unknown>) =>
  typeof data.locale === 'string' ? { locale: data.locale } : {};

/** How many events one read back through an organization's history takes at a time. */
const PAGE = 500n;

/** An event as read back, opened; `storedFields`: its data's fields as stored (an erased phone opens to none). */
interface StoredEvent {
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly storedFields: readonly string[];
  readonly actingVia?: string;
}

export interface Contact {
  readonly email: string;
  readonly name: string;
  /** The language the user chose for messages, if they chose one. */
  readonly locale?: string;
  /** Whether the address was proven (its link opened, or moved to by one): until then it may be anyone's. */
  readonly verified: boolean;
}

/**
 * Addresses and names read from the event store when a notice is sent: the user's own stream (short) for their
 * address and name, the organization's for its name. Nothing is copied into a second store to fall out of date.
 */
export class RecipientDirectory {
  /** Each organization's name as of the latest revision looked at. */
  private readonly names = new Map<string, { name: string; revision: bigint }>();

  constructor(
    private readonly client: EventStoreDBClient,
    /** Opens the sealed e-mail, name and phone; an erased person reads as erased. */
    private readonly protection: StoredDataProtection = noProtection,
  ) {}

  async contactOf(userId: string): Promise<Contact | undefined> {
    let contact: Contact | undefined;
    // All of it, however long: what a user stream says last (a changed address, a deletion) is what counts.
    for await (const event of this.each(`user-${userId}`, FORWARDS)) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'UserRegistered')
        contact = { email: String(data.email), name: String(data.name), ...localeIn(data), verified: false };
      // Proven when its link was opened: identity follows a move with EmailVerified of the new address (releases before
      // 5 Dec moved an account without a link, and such a move stays unproven until verified).
      else if (event.type === 'EmailVerified' && contact)
        contact = { ...contact, verified: sameAddress(data.email, contact.email) };
      else if (event.type === 'EmailChanged' && contact)
        contact = { ...contact, email: String(data.email), verified: false };
      else if (event.type === 'ProfileUpdated' && contact)
        contact = {
          ...contact,
          ...(typeof data.name === 'string' ? { name: data.name } : {}),
          ...localeIn(data),
        };
      else if (event.type === 'UserDeleted') contact = undefined;
    }
    return contact;
  }

  /**
   * The organization's name as of the event at `revision`: that of the latest settings at or before it, else the one it
   * was created with. What was found is kept, so the next look reads back only to where the last one stood.
   */
  async organizationNameOf(orgId: string, revision: bigint): Promise<string | undefined> {
    const known = this.names.get(orgId);
    const floor = known && known.revision <= revision ? known.revision : -1n;
    const named = await this.latestBetween(
      orgId,
      revision,
      floor,
      (e) => e.type === 'SettingsUpdated' || e.type === 'OrganizationCreated',
    );
    if (named) return this.remember(orgId, String((named.data as Record<string, unknown>).name), revision);
    return known && floor >= 0n ? this.remember(orgId, known.name, revision) : undefined;
  }

  /** The latest event of the organization after `floor` and at or before `revision` that `matches`, read back a page at a time. */
  private async latestBetween(
    orgId: string,
    revision: bigint,
    floor: bigint,
    matches: (event: StoredEvent) => boolean,
  ): Promise<StoredEvent | undefined> {
    for (let from = revision; from > floor;) {
      const count = from - floor < PAGE ? Number(from - floor) : Number(PAGE);
      const page = await this.read(`organization-${orgId}`, BACKWARDS, from, count);
      const found = page.find(matches);
      if (found) return found;
      if (page.length < count) return undefined;
      from -= BigInt(count);
    }
    return undefined;
  }

  private remember(orgId: string, name: string, revision: bigint): string {
    this.names.set(orgId, { name, revision });
    return name;
  }

  /**
   * Who created an invitation (the actor of its `InvitationCreated`, looked for among the events before `revision`),
   * unless they have left the organization or been removed since: a non-member is told nothing of it.
   */
  async inviterOf(orgId: string, invitationId: string, revision: bigint): Promise<string | undefined> {
    // Read back to the invitation's creation, however far (imports make many events), keeping who joined or left on
    // the way: the inviter is known once the creation is found.
    const standings: StoredEvent[] = [];
    const created = await this.latestBetween(orgId, revision, -1n, (event) => {
      if (createdInvitation(event, invitationId)) return true;
      if (['MemberJoined', 'MemberRemoved', 'MemberLeft'].includes(event.type)) standings.push(event);
      return false;
    });
    const actor = (created?.data as Record<string, unknown> | undefined)?.actorId;
    if (typeof actor !== 'string') return undefined;
    // Invited by someone acting through the parent organization (R19): never a member here, so nothing in this stream
    // says whether they still may see it (the link or their right in the parent may be gone); they are not told.
    if (created?.actingVia !== undefined) return undefined;
    const latestStanding = standings.find((e) => (e.data as Record<string, unknown>).userId === actor);
    return latestStanding && latestStanding.type !== 'MemberJoined' ? undefined : actor;
  }

  /** Whether the member was in the team just before the event at `revision` (a manager made a member again was). */
  async inTeamBefore(orgId: string, teamId: string, userId: string, revision: bigint): Promise<boolean> {
    const latest = await this.latestBetween(orgId, revision - 1n, -1n, ({ type, data }) => {
      const d = data as Record<string, unknown>;
      // The team's creation bounds the search: a new member's notice reads no further back.
      if (type === 'TeamDeleted' || type === 'TeamCreated') return d.teamId === teamId;
      if (type === 'TeamMemberAdded' || type === 'TeamMemberRemoved')
        return d.teamId === teamId && d.userId === userId;
      return (type === 'MemberRemoved' || type === 'MemberLeft') && d.userId === userId;
    });
    return latest?.type === 'TeamMemberAdded';
  }

  /** Whether the organization already required a second factor before the event at `revision`. */
  async requiredTwoFactorBefore(orgId: string, revision: bigint): Promise<boolean> {
    const settings = await this.latestBetween(orgId, revision - 1n, -1n, (e) => e.type === 'SettingsUpdated');
    return (settings?.data as Record<string, unknown> | undefined)?.requireTwoFactor === true;
  }

  /**
   * Where an invitation was last sent, and the event ids of its sends, newest first (`sentAs`: the ids their deliveries
   * are made under), if it was sent at all and its invitee was not erased since.
   */
  async sentInvitation(
    orgId: string,
    invitationId: string,
  ): Promise<{ email?: string; phone?: string; sentAs: string[] } | undefined> {
    const { sent, sends } = await this.invitationHistory(orgId, invitationId);
    if (!sent || sent.type === 'InviteeErased') return undefined;
    const { email, phone } = sent.data as { email?: unknown; phone?: unknown };
    // An erased invitee is not written to (their erased address reads `...@erased.invalid`).
    return {
      sentAs: sends.map((send) => send.id),
      ...(typeof email === 'string' && !isErasedEmail(email) ? { email } : {}),
      ...(typeof phone === 'string' ? { phone } : {}),
    };
  }

  /**
   * Whether the invitee of an invitation was erased (after it was sent, as every erasure is): by an `InviteeErased`, or
   * with their account, whose deletion destroys their address's key, so that the send reads back with its address
   * erased. A send recorded with no address (the event's first version, or a resend after the address was erased,
   * which had none left to record) is judged by the invitation's creation.
   */
  async inviteeErased(orgId: string, invitationId: string): Promise<boolean> {
    return erasedBy(await this.invitationHistory(orgId, invitationId));
  }

  /**
   * Whether the send `sendSequence` of an invitation is still the one to deliver when it is handled: nothing came
   * after it (a later send, whose link replaces its link; a revocation, an acceptance or an expiry, which leave its link
   * dead; the erasure of its invitee), its link has not expired (swept or not), and its invitee was not erased
   * (`inviteeErased`).
   */
  async sendStillCurrent(orgId: string, invitationId: string, sendSequence: number): Promise<boolean> {
    const history = await this.invitationHistory(orgId, invitationId);
    const { latest } = history;
    if (latest?.type !== 'InvitationSent') return latest === undefined;
    if ((latest.data as { sendSequence?: unknown }).sendSequence !== sendSequence) return false;
    return !lapsed(latest) && !erasedBy(history);
  }

  /**
   * Whether the invitation send stored as event `eventId` was followed by anything that ends or replaces it (a later
   * send, a revocation, an acceptance, an expiry, the erasure of its invitee), or its link has expired; false for an
   * event that is no send of this invitation.
   */
  async sendSuperseded(orgId: string, invitationId: string, eventId: string): Promise<boolean> {
    let latest: StoredEvent | undefined;
    for await (const event of this.each(`organization-${orgId}`, BACKWARDS)) {
      const aboutIt = sentOrErased(event, invitationId) || endedInvitation(event, invitationId);
      if (aboutIt) latest ??= event;
      if (event.id === eventId)
        return aboutIt && event.type === 'InvitationSent' && (latest !== event || lapsed(event));
      if (createdInvitation(event, invitationId)) return false;
    }
    return false;
  }

  /**
   * Read back from the newest event to the invitation's creation, however far: its last send or the erasure of its
   * invitee (see `sentOrErased`), the newest of every event that ends or replaces a send, and its creation.
   */
  private async invitationHistory(orgId: string, invitationId: string): Promise<InvitationHistory> {
    let sent: StoredEvent | undefined;
    let latest: StoredEvent | undefined;
    const sends: StoredEvent[] = [];
    for await (const event of this.each(`organization-${orgId}`, BACKWARDS)) {
      if (!sent && sentOrErased(event, invitationId)) sent = event;
      if (event.type === 'InvitationSent' && sentOrErased(event, invitationId)) sends.push(event);
      if (!latest && (sentOrErased(event, invitationId) || endedInvitation(event, invitationId)))
        latest = event;
      if (createdInvitation(event, invitationId))
        return { ...(sent ? { sent } : {}), ...(latest ? { latest } : {}), sends, created: event };
    }
    return { ...(sent ? { sent } : {}), ...(latest ? { latest } : {}), sends };
  }

  /** The members of an organization before the event at `revision` (a whole read: for rare events only). */
  async membersBefore(orgId: string, revision: bigint): Promise<string[]> {
    const members = new Set<string>();
    for (const event of await this.read(`organization-${orgId}`, FORWARDS, START, Number(revision))) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'OrganizationCreated') members.add(String(data.ownerId));
      else if (event.type === 'MemberJoined') members.add(String(data.userId));
      else if (event.type === 'MemberRemoved' || event.type === 'MemberLeft')
        members.delete(String(data.userId));
    }
    return [...members];
  }

  /** Whether the account was deleted (nothing follows its deletion but the erasure of its keys). */
  async accountDeleted(userId: string): Promise<boolean> {
    return (await this.read(`user-${userId}`, BACKWARDS, END, 3)).some((e) => e.type === 'UserDeleted');
  }

  async hasSecondFactor(userId: string): Promise<boolean> {
    for await (const event of this.each(`user-${userId}`, BACKWARDS))
      if (event.type === 'TwoFactorEnabled') return true;
      else if (event.type === 'TwoFactorDisabled') return false;
    return false;
  }

  /** Every event of the stream, a page at a time, oldest or newest first. */
  private async *each(
    stream: string,
    direction: typeof FORWARDS | typeof BACKWARDS,
  ): AsyncGenerator<StoredEvent> {
    let from: typeof START | typeof END | bigint = direction === FORWARDS ? START : END;
    for (;;) {
      const page = await this.read(stream, direction, from, Number(PAGE));
      yield* page;
      const last = page[page.length - 1]?.revision;
      if (page.length < Number(PAGE) || last === undefined || (direction === BACKWARDS && last === 0n))
        return;
      from = direction === FORWARDS ? last + 1n : last - 1n;
    }
  }

  /** Reads to the end (a read left half-consumed keeps its gRPC stream open). */
  private async read(
    stream: string,
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: typeof START | typeof END | bigint,
    maxCount: number,
  ): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        direction,
        fromRevision: from,
        maxCount,
      }))
        if (resolved.event) {
          const actingVia = (resolved.event.metadata as { actingVia?: unknown } | undefined)?.actingVia;
          const stored = resolved.event.data as Record<string, unknown>;
          events.push({
            id: resolved.event.id,
            revision: resolved.event.revision,
            ...(await this.protection.open({ type: resolved.event.type, data: stored })),
            storedFields: Object.keys(stored),
            ...(typeof actingVia === 'string' ? { actingVia } : {}),
          });
        }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return events;
  }
}

interface InvitationHistory {
  readonly sent?: StoredEvent;
  /** Every send of the invitation, newest first. */
  readonly sends: readonly StoredEvent[];
  readonly latest?: StoredEvent;
  readonly created?: StoredEvent;
}

function erasedBy({ sent, created }: InvitationHistory): boolean {
  if (sent?.type !== 'InvitationSent') return sent !== undefined;
  return addressErased(sent) ?? (created ? addressErased(created) : undefined) ?? false;
}

/** A send whose link's time is up, whether or not the expiry was recorded yet. */
function lapsed(send: StoredEvent): boolean {
  const expiresAt = Date.parse(String((send.data as { expiresAt?: unknown }).expiresAt));
  return Number.isFinite(expiresAt) && expiresAt <= Date.now();
}

const ENDING_INVITATION = new Set(['InvitationRevoked', 'InvitationAccepted', 'InvitationExpired']);

function endedInvitation(e: StoredEvent, invitationId: string): boolean {
  return ENDING_INVITATION.has(e.type) && (e.data as Record<string, unknown>).invitationId === invitationId;
}

function createdInvitation(e: StoredEvent, invitationId: string): boolean {
  return e.type === 'InvitationCreated' && (e.data as Record<string, unknown>).invitationId === invitationId;
}

/**
 * A send of the invitation, or the erasure of its invitee (appended with the revocation it causes). Met newest first,
 * an erasure comes before the send it follows: nobody is written to then, even by a process that still holds the
 * address's key for a while, or that handles the send late.
 */
function sentOrErased(e: StoredEvent, invitationId: string): boolean {
  return (
    (e.type === 'InvitationSent' && (e.data as Record<string, unknown>).invitationId === invitationId) ||
    (e.type === 'InviteeErased' &&
      ((e.data as { invitationIds?: unknown }).invitationIds as unknown[] | undefined)?.includes(
        invitationId,
      ) === true)
  );
}

/**
 * Whether the address an invitation event recorded reads as erased now: an erased e-mail reads as such, an erased
 * number as none (its field stored, nothing read). Undefined where the event recorded no address.
 */
function addressErased(event: StoredEvent): boolean | undefined {
  const { email, phone } = event.data as { email?: unknown; phone?: unknown };
  if (typeof email === 'string') return isErasedEmail(email);
  if (typeof phone === 'string') return false;
  return event.storedFields.includes('phone') ? true : undefined;
}

function sameAddress(verified: unknown, current: string): boolean {
  return typeof verified === 'string' && verified.toLowerCase() === current.toLowerCase();
}
