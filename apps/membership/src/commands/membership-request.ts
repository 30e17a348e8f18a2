import { CommandRequests, Fields, MEMBERSHIP_COMMANDS, type MembershipCommandType } from '@app/contracts';
import { DomainError } from '@app/domain';
import { commandFingerprint } from '@app/event-store';
import { parseEmail, parsePhone } from '@app/identifiers';
import { type RequestVerifier } from '@app/messaging';
import { SYSTEM_ACTOR } from '../organizations/organization.commands';

/**
 * A membership command as it arrives on `membership.commands.v1`: signed by the service that sent it, the actor
 * named by that service (the gateway, from a verified access token), the command's own fields.
 */
export interface MembershipRequest {
  readonly commandId: string;
  readonly orgId: string;
  readonly actorId: string;
  readonly correlationId?: string;
  readonly actorTwoFactor?: boolean;
  /** The gateway vouches that the actor is an operator (it signs the request). */
  readonly actorIsOperator?: boolean;
  /** Only a retry of a command already recorded is answered (see the envelope's `repeatOnly`). */
  readonly repeatOnly?: boolean;
  readonly command: { readonly type: MembershipCommandType } & Readonly<Record<string, unknown>>;
}

/** A request the service trusts: checked from the bus, or made in-process (reactions, scheduled work, workflows). */
export interface TrustedRequest extends MembershipRequest {
  /** Digest of what it asks: the same command id for something else is refused. */
  readonly fingerprint: string;
  readonly causationId?: string;
}

const requests = new CommandRequests<MembershipRequest>(MEMBERSHIP_COMMANDS, {
  orgId: Fields.id,
  actorId: Fields.id,
});

function refuse(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(
    code,
    code === 'validation-failed' || code === 'unknown-field' ? 'validation' : 'forbidden',
    message,
    details,
  );
}

/**
 * Checks a request from the bus: a valid signature by a service allowed to send this command, never the system actor
 * (it is reserved for in-process work), never an internal command, and the command's fields by its JSON Schema.
 * Identifiers are normalised here, once: e-mails lower-cased, phones to E.164.
 */
export function checkMembershipRequest(raw: unknown, verifier: RequestVerifier): TrustedRequest {
  const signed = verifier.verify(raw);
  if (!signed.ok)
    refuse(
      'request-not-authenticated',
      `the request is not signed by one of our services (${signed.reason})`,
    );
  const checked = requests.check(raw);
  if (!checked.ok) refuse(checked.code, checked.message, { field: checked.field });
  if (!checked.description.senders.includes(signed.sender))
    refuse('sender-not-allowed', `${checked.request.command.type} is not accepted from ${signed.sender}`);
  const { auth: _auth, ...request } = checked.request as MembershipRequest & { auth?: unknown };
  if (request.actorId === SYSTEM_ACTOR)
    refuse('system-only', 'the system actor is reserved for in-process work');
  return trusted({ ...request, command: normalized(request.command) });
}

/** A request made in-process (the system's reactions and scheduled work, or a workflow's steps). */
export function trusted(request: MembershipRequest & { causationId?: string }): TrustedRequest {
  const {
    commandId: _id,
    correlationId: _c,
    actorTwoFactor: _t,
    actorIsOperator: _o,
    repeatOnly: _r,
    causationId: _cause,
    ...asked
  } = request;
  return { ...request, fingerprint: commandFingerprint(withoutAddresses(asked)) };
}

/**
 * The fingerprint is stored in the clear, in every event's metadata: addresses are left out of it, since a plain hash
 * of one could be tested against a guess after its person was erased. The command handler adds them back as keyed
 * digests (`withAddressesFingerprinted`).
 */
function withoutAddresses(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAddresses);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'email' && key !== 'phone')
      .map(([key, item]) => [key, withoutAddresses(item)]),
  );
}

function normalized(command: MembershipRequest['command']): MembershipRequest['command'] {
  const out: Record<string, unknown> = { ...command };
  if (typeof out.email === 'string') out.email = parseEmail(out.email, 'command.email');
  if (typeof out.phone === 'string') out.phone = parsePhone(out.phone, 'command.phone');
  return out as MembershipRequest['command'];
}
