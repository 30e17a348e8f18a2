import { CommandRequests, IDENTITY_COMMANDS, type IdentityCommandType } from '@app/contracts';
import { DomainError } from '@app/domain';
import { parsePhone } from '@app/identifiers';
import { type RequestVerifier } from '@app/messaging';
import { Type } from '@sinclair/typebox';

export type { IdentityCommandType } from '@app/contracts';

/**
 * The wire form of an identity request over `identity.commands.v1`: a command id (idempotency), the authenticated
 * caller when there is one (named by the gateway from a verified access token, and believed only because the
 * gateway signed the request), and the command. Unknown fields are refused by name, so `emailVerified`, `roles`,
 * `userId` or `__proto__` in a body never reach the domain.
 */
export interface IdentityRequest {
  readonly commandId: string;
  readonly correlationId?: string;
  readonly actorId?: string;
  readonly command: IdentityCommand;
}

/** Every field any command has, as the checks leave it (each command has only its own; the schema checked which). */
export interface CommandFields {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly phone?: string;
  readonly locale?: string;
  readonly token: string;
  readonly termsAccepted: boolean;
  readonly ip?: string;
  readonly challenge: string;
  readonly code: string;
  readonly refreshToken: string;
  readonly everywhere?: boolean;
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly userId: string;
  readonly confirmOwnedOrganizations: boolean;
  readonly ownedOrganizationIds?: readonly string[];
  readonly reason: string;
}
export type IdentityCommand = { readonly type: IdentityCommandType } & Readonly<Record<string, unknown>>;

const requests = new CommandRequests<IdentityRequest>(IDENTITY_COMMANDS, {
  actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
});

/** A request from the bus, signed by the gateway; phones are normalised to E.164 here, once. */
export function checkIdentityRequest(raw: unknown, verifier: RequestVerifier): IdentityRequest {
  const signed = verifier.verify(raw);
  if (!signed.ok)
    throw new DomainError(
      'request-not-authenticated',
      'forbidden',
      `the request is not signed by one of our services (${signed.reason})`,
    );
  const checked = requests.check(raw);
  if (!checked.ok)
    throw new DomainError(checked.code, 'validation', checked.message, { field: checked.field });
  if (!checked.description.senders.includes(signed.sender))
    throw new DomainError(
      'sender-not-allowed',
      'forbidden',
      `${checked.request.command.type} is not accepted from ${signed.sender}`,
    );
  const { auth: _auth, ...request } = checked.request as IdentityRequest & { auth?: unknown };
  if (checked.description.signedIn && !request.actorId)
    throw new DomainError(
      'authentication-required',
      'forbidden',
      'this command needs an authenticated caller',
    );
  const command: Record<string, unknown> = { ...request.command };
  if (typeof command.phone === 'string') command.phone = parsePhone(command.phone, 'command.phone');
  return { ...request, command: command as IdentityCommand };
}
