import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  isEmail,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { Optional } from './optional';
import { NameField } from './name-field';

/** An e-mail address, surrounding spaces allowed: identity trims it, as it does on every route. */
function IsEmailAddress() {
  return ValidateBy({
    name: 'isEmailAddress',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isEmail(value.trim()),
      defaultMessage: () => 'email must be an email',
    },
  });
}

/** A person's locale: any tag is taken here; identity keeps its language or refuses it (`unsupported-locale`). */
function LocaleField(whose: string) {
  return applyDecorators(
    ApiPropertyOptional({
      example: 'de',
      description: `the language of messages to ${whose}: \`en\` or \`de\` (a tag such as \`de-AT\` counts as \`de\`); else the deployment default`,
    }),
    Optional(),
    IsString(),
    MaxLength(35),
  );
}

export class RegisterBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmailAddress()
  @MaxLength(320)
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    description: '8 to 128 characters, not a common password',
  })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  @NameField(200)
  name!: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958', description: 'any format; stored in E.164' })
  @Optional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @LocaleField('me')
  locale?: string;
}

export class TokenBody {
  @ApiProperty({ description: 'the token from the link that was mailed' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token!: string;
}

export class LoginBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class TwoFactorLoginBody {
  @ApiProperty({ description: 'the challenge a login answered with' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  challenge!: string;

  @ApiProperty({ example: '123456', description: 'a TOTP code or a recovery code' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  code!: string;
}

export class RefreshBody {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  refreshToken!: string;
}

export class LogoutBody extends RefreshBody {
  @ApiPropertyOptional({
    description:
      "true: sign out of every session of the token's user (a lost device), not only this one. Only the session's " +
      'current refresh token does it; an older one ends its own session alone',
  })
  @IsOptional()
  @IsBoolean()
  everywhere?: boolean;
}

/** An address to mail a link to (forgot-password, a fresh verification link). */
export class EmailBody {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  email!: string;
}

export class ResetPasswordBody {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token!: string;

  @ApiProperty({ example: 'a new long passphrase' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class UpdateMeBody {
  @ApiPropertyOptional({ example: 'Ada King' })
  @Optional()
  @NameField(200)
  name?: string;

  @ApiPropertyOptional({
    type: String,
    example: '+442079460958',
    nullable: true,
    description: 'null removes it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string | null;

  @LocaleField('me')
  locale?: string;
}

export class DeleteMeBody {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    description:
      'R10: delete the organizations I own with my account (default false: an Owner is then refused, their organizations named)',
  })
  @Optional()
  @IsBoolean()
  confirmOwnedOrganizations?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 1000,
    example: ['4b1e8f4e-3f7e-4f4c-9a53-0c8d2f1f7a10'],
    description:
      'R10: the organizations I was shown as mine and confirm deleting. When given, an organization I own that is ' +
      'not named (one transferred to me since) is not deleted unseen: the answer is 422 ' +
      '`owned-organizations-confirmation-required` naming it, and nothing is deleted. One named that I am not ' +
      'shown in is 404 `organization-not-found`. Left out by a session without a second factor, the gateway ' +
      'names those it shows I own, each checked for R22',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(/\S/, { each: true, message: 'each of $property must be an organization id' })
  @MaxLength(100, { each: true })
  ownedOrganizationIds?: string[];
}

export class StartTwoFactorBody {
  @ApiProperty({ description: 'the password again: a session alone does not add a second factor' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class AcceptInvitationBody {
  @ApiPropertyOptional({
    description: 'a new user registering from the link (omit when signed in)',
    example: 'Bob',
  })
  @Optional()
  @NameField(200)
  name?: string;

  @ApiPropertyOptional({ description: 'a new user registering from the link' })
  @Optional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional({ description: 'a new user registering from the link must accept the terms' })
  @Optional()
  @IsBoolean()
  termsAccepted?: boolean;

  @ApiPropertyOptional({
    description:
      'a new user invited by phone: the address to sign in with (verified by a mailed link). Invited by e-mail, the account takes the invited address: another one is a 400 `email-not-invited`',
    example: 'dan@example.com',
  })
  @Optional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @LocaleField('a new user')
  locale?: string;
}

const INVITATION_TOKEN_DESCRIPTION =
  'the token of the invitation link (what follows `#token=`), sent in the body so that no URL, and so no access log on the way, holds it';

export class InvitationTokenBody {
  @ApiProperty({ description: INVITATION_TOKEN_DESCRIPTION })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token!: string;
}

export class AcceptInvitationWithTokenBody extends AcceptInvitationBody {
  @ApiProperty({ description: INVITATION_TOKEN_DESCRIPTION })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token!: string;
}

export class ChangePasswordBody {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  currentPassword!: string;

  @ApiProperty({
    example: 'a new long passphrase',
    description: '8 to 128 characters, not a common password',
  })
  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}

export class ChangeEmailBody {
  @ApiProperty({ example: 'ada@example.org', description: 'unverified until its mailed link is used (R18)' })
  @IsEmailAddress()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ description: 'the current password, to confirm it is me' })
  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class TwoFactorCodeBody {
  @ApiProperty({ example: '123456', description: 'a code from the authenticator' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  code!: string;
}
