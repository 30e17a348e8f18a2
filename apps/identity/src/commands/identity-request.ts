import { DomainError } from '@app/domain';
import { parsePhone } from '../users/phone';

/**
 * The wire form of an identity request over `identity.commands.v1`: a command id (idempotency), the authenticated
 * caller when there is one (set by the gateway from a verified access token), and the command. Unknown fields are
 * refused by name, so `emailVerified`, `roles`, `userId` or `__proto__` in a body never reach the domain.
 */
export interface IdentityRequest {
  readonly commandId: string;
  readonly correlationId?: string;
  readonly actorId?: string;
  readonly command: IdentityCommand;
}

type Kind = 'text' | 'secret' | 'bool' | 'phone' | 'phone|null';
type Spec = Readonly<Record<string, Kind | `${Kind}?`>>;

/** `actor`: the command acts on the authenticated caller and is refused without one. */
const COMMANDS = {
  Register: { fields: { name: 'text', email: 'text', password: 'secret', phone: 'phone?' } },
  RegisterFromInvitation: {
    fields: {
      token: 'text',
      name: 'text',
      password: 'secret',
      termsAccepted: 'bool',
      email: 'text?',
      phone: 'phone?',
    },
  },
  VerifyEmail: { fields: { token: 'text' } },
  AcceptInvitation: { actor: true, fields: { token: 'text' } },
  ResendVerification: { fields: { email: 'text' } },
  Login: { fields: { email: 'text', password: 'secret', ip: 'text?' } },
  CompleteTwoFactorLogin: { fields: { challenge: 'text', code: 'text', ip: 'text?' } },
  Refresh: { fields: { refreshToken: 'text' } },
  Logout: { fields: { refreshToken: 'text' } },
  ForgotPassword: { fields: { email: 'text' } },
  ResetPassword: { fields: { token: 'text', password: 'secret' } },
  SessionActive: { fields: { sessionId: 'text' } },
  GetJwks: { fields: {} },
  ChangePassword: { actor: true, fields: { currentPassword: 'secret', newPassword: 'secret' } },
  GetProfile: { actor: true, fields: {} },
  UpdateProfile: { actor: true, fields: { name: 'text?', phone: 'phone|null?' } },
  ChangeEmail: { actor: true, fields: { email: 'text', password: 'secret' } },
  DeleteAccount: { actor: true, fields: { password: 'secret', confirmOwnedOrganizations: 'bool' } },
  StartTwoFactorEnrollment: { actor: true, fields: {} },
  ConfirmTwoFactor: { actor: true, fields: { code: 'text' } },
  DisableTwoFactor: { actor: true, fields: { code: 'text' } },
  LockUser: { actor: true, fields: { userId: 'text', reason: 'text' } },
  UnlockUser: { actor: true, fields: { userId: 'text' } },
} as const satisfies Record<string, { actor?: boolean; fields: Spec }>;

export type IdentityCommandType = keyof typeof COMMANDS;

/** Every field any command has, as the parser leaves it (each command has only its own; the parser checked which). */
export interface CommandFields {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly phone?: string;
  readonly token: string;
  readonly termsAccepted: boolean;
  readonly ip?: string;
  readonly challenge: string;
  readonly code: string;
  readonly refreshToken: string;
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly userId: string;
  readonly confirmOwnedOrganizations: boolean;
  readonly reason: string;
}
export type IdentityCommand = { readonly type: IdentityCommandType } & Readonly<Record<string, unknown>>;

const MAX_TEXT = 320;
/** ASVS: at least 64 characters accepted; our policy caps at 128, this only bounds the payload. */
const MAX_SECRET = 1024;

function invalid(field: string, message: string, code = 'validation-failed'): never {
  throw new DomainError(code, 'validation', `${field}: ${message}`, { field });
}

function text(value: unknown, field: string, max: number, trim: boolean): string {
  if (typeof value !== 'string' || (trim ? value.trim() : value) === '' || value.length > max)
    invalid(field, `must be a non-empty string of at most ${max} characters`);
  return value;
}

function parseValue(value: unknown, kind: Kind, field: string): unknown {
  switch (kind) {
    case 'text':
      return text(value, field, MAX_TEXT, true);
    case 'secret':
      return text(value, field, MAX_SECRET, false);
    case 'bool':
      if (typeof value !== 'boolean') invalid(field, 'must be true or false');
      return value;
    case 'phone':
      return parsePhone(text(value, field, 40, true));
    case 'phone|null':
      return value === null ? null : parsePhone(text(value, field, 40, true));
  }
}

export function parseIdentityRequest(raw: unknown): IdentityRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('body', 'must be an object');
  const r = raw as Record<string, unknown>;
  const commandId = text(r.commandId, 'commandId', 100, true);
  const correlationId =
    r.correlationId === undefined ? undefined : text(r.correlationId, 'correlationId', 128, true);
  const actorId = r.actorId === undefined ? undefined : text(r.actorId, 'actorId', 100, true);
  const body = r.command;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    invalid('command', 'must be an object');
  const given = body as Record<string, unknown>;
  const type = given.type;
  if (typeof type !== 'string' || !Object.hasOwn(COMMANDS, type))
    invalid('command.type', `unknown command ${String(type)}`);
  const spec = COMMANDS[type as IdentityCommandType];
  if ('actor' in spec && !actorId)
    throw new DomainError(
      'authentication-required',
      'forbidden',
      'this command needs an authenticated caller',
    );
  const fields: Spec = spec.fields;
  for (const field of Object.keys(given))
    if (field !== 'type' && !Object.hasOwn(fields, field))
      invalid(field, 'is not a field of this command', 'unknown-field');
  const command: Record<string, unknown> = { type };
  for (const [field, declared] of Object.entries(fields)) {
    const optional = declared.endsWith('?');
    const value = given[field];
    if (value === undefined) {
      if (!optional) invalid(field, 'is required');
      continue;
    }
    command[field] = parseValue(value, declared.replace('?', '') as Kind, field);
  }
  return {
    commandId,
    ...(correlationId ? { correlationId } : {}),
    ...(actorId ? { actorId } : {}),
    command: command as IdentityCommand,
  };
}
