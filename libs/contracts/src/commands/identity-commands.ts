import { Type } from '@sinclair/typebox';
import { command, Fields, type CommandDescription } from './command-description';

const { text, secret, boolean, phone, id, name } = Fields;
/** Acts on the authenticated caller the gateway names (from a verified access token); refused without one. */
const signedIn = { signedIn: true, twoFactor: false } as const;
/** Needs no caller: registration, login and the links people follow from their mail. */
const anonymous = { signedIn: false, twoFactor: false } as const;

/**
 * Every identity command, as sent by the gateway on `identity.commands.v1` inside a signed request
 * `{ commandId, actorId?, correlationId?, command: { type, ...fields }, auth }`.
 */
export const IDENTITY_COMMANDS = {
  Register: command(
    'create an account (R18: a verification link is mailed)',
    { name, email: text, password: secret, phone: Type.Optional(phone), locale: Type.Optional(text) },
    anonymous,
  ),
  RegisterFromInvitation: command(
    'R5: a new user registers from an invitation link and joins',
    {
      token: text,
      name,
      password: secret,
      termsAccepted: boolean,
      email: Type.Optional(text),
      phone: Type.Optional(phone),
      locale: Type.Optional(text),
    },
    anonymous,
  ),
  VerifyEmail: command('R18: confirm the address with the mailed token', { token: text }, anonymous),
  AcceptInvitation: command('R5: a signed-in user accepts an invitation link', { token: text }, signedIn),
  ResendVerification: command('R18: mail a fresh verification link', { email: text }, anonymous),
  Login: command(
    'e-mail and password; a second step when 2FA is on',
    { email: text, password: secret, ip: Type.Optional(text) },
    anonymous,
  ),
  CompleteTwoFactorLogin: command(
    'R22: the TOTP step of a login',
    { challenge: text, code: text, ip: Type.Optional(text) },
    anonymous,
  ),
  Refresh: command('rotate a refresh token (reuse revokes the family)', { refreshToken: text }, anonymous),
  Logout: command(
    "revoke a refresh token and its session; with everywhere, every session of the token's user",
    { refreshToken: text, everywhere: Type.Optional(boolean) },
    anonymous,
  ),
  ForgotPassword: command(
    'R17: mail a reset link if the account exists (always accepted)',
    { email: text },
    anonymous,
  ),
  ResetPassword: command(
    'R17: set a new password with a reset token',
    { token: text, password: secret },
    anonymous,
  ),
  SessionActive: command('whether a session is still active', { sessionId: text }, anonymous),
  ListSessions: command(
    "the caller's open sessions: opened, last used, until, with a second factor",
    {},
    signedIn,
  ),
  EndSession: command(
    "end one of the caller's sessions (a device they no longer have)",
    { sessionId: id },
    signedIn,
  ),
  GetJwks: command('the public keys of access tokens', {}, anonymous),
  ChangePassword: command(
    'change the password (every session ends)',
    { currentPassword: secret, newPassword: secret },
    signedIn,
  ),
  GetProfile: command('the caller’s profile', {}, signedIn),
  UpdateProfile: command(
    'change name, phone (null removes it) or locale',
    {
      name: Type.Optional(name),
      phone: Type.Optional(Type.Union([phone, Type.Null()])),
      locale: Type.Optional(text),
    },
    signedIn,
  ),
  ChangeEmail: command(
    'change the e-mail address (re-verified)',
    { email: text, password: secret },
    signedIn,
  ),
  DeleteAccount: command(
    'R10: delete the account (an Owner confirms deleting owned organizations, best by naming them)',
    {
      password: secret,
      confirmOwnedOrganizations: boolean,
      ownedOrganizationIds: Type.Optional(Type.Array(id, { maxItems: 1_000 })),
    },
    signedIn,
  ),
  StartTwoFactorEnrollment: command(
    'R22: start TOTP enrolment (the password again: a session alone must not add a second factor)',
    { password: secret },
    signedIn,
  ),
  ConfirmTwoFactor: command('R22: confirm TOTP enrolment with a code', { code: text }, signedIn),
  ReplaceRecoveryCodes: command(
    'R22: new recovery codes for a current authenticator code; the old ones stop working',
    { code: text },
    signedIn,
  ),
  DisableTwoFactor: command('R22: turn TOTP off with a code', { code: text }, signedIn),
  LockUser: command('an operator locks an account', { userId: id, reason: text }, signedIn),
  UnlockUser: command('an operator unlocks an account', { userId: id }, signedIn),
} satisfies Record<string, CommandDescription>;

export type IdentityCommandType = keyof typeof IDENTITY_COMMANDS;
