import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { eventSchemas, eventTypeOfSchema } from '@app/contracts';
import { notLater, readInstant } from '@app/text';
import { Optional } from './optional';
import { NameField } from './name-field';

const ID = { example: '7f9c2b1e-3d4a-4c5b-8e6f-1a2b3c4d5e6f' };

export class CreateOrganizationBody {
  @ApiProperty({ example: 'Acme Inc' })
  @NameField(200)
  name!: string;
}

export class UpdateOrganizationBody {
  @ApiPropertyOptional({ example: 'Acme Incorporated' })
  @Optional()
  @NameField(200)
  name?: string;

  @ApiPropertyOptional({ description: 'R16: verified addresses at claimed domains join as User' })
  @Optional()
  @IsBoolean()
  autoJoin?: boolean;

  @ApiPropertyOptional({ description: 'R14: members edit their own availability' })
  @Optional()
  @IsBoolean()
  membersMayEditOwnAvailability?: boolean;

  @ApiPropertyOptional({ description: 'R22: members act only with a second factor' })
  @Optional()
  @IsBoolean()
  requireTwoFactor?: boolean;
}

export class TransferOwnershipBody {
  @ApiProperty(ID)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  newOwnerId!: string;
}

export class UserIdBody {
  @ApiProperty(ID)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  userId!: string;
}

export class DomainBody {
  @ApiProperty({ example: 'acme.example' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  domain!: string;
}

export class LinkChildBody {
  @ApiProperty(ID)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  childOrgId!: string;
}

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @Optional()
  // Decimal digits only: Number() would also read `0x10`, `1e2`, `+7` and ` 7`.
  @Transform(({ value }) => (typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value))
  @ValidateBy({
    name: 'isPageLimit',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 200,
      defaultMessage: () => 'limit must be a whole number from 1 to 200, in decimal digits',
    },
  })
  limit?: number;

  @ApiPropertyOptional({
    description:
      'the `nextCursor` of the previous page, asked with the same filters (another filter, or none, is a 400 naming `cursor`)',
  })
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, { message: 'cursor is not a cursor this API gave' })
  cursor?: string;
}

export class MembersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['owner', 'admin', 'user'] })
  @Optional()
  @IsIn(['owner', 'admin', 'user'])
  role?: 'owner' | 'admin' | 'user';

  @ApiPropertyOptional({ description: 'R15', type: Boolean })
  @Optional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  schedulable?: boolean;

  @ApiPropertyOptional(ID)
  @Optional()
  @IsString()
  @MaxLength(100)
  teamId?: string;

  @ApiPropertyOptional({ description: 'part of a name or e-mail address, case-insensitive', example: 'ada' })
  @Optional()
  @IsString()
  @MaxLength(100)
  q?: string;
}

class WeeklySlot {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 6, description: '0 is Sunday' })
  @IsInt()
  @Min(0)
  @Max(6)
  day!: number;

  @ApiProperty({ example: '09:00' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  from!: string;

  @ApiProperty({ example: '17:00' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  to!: string;
}

export class AvailabilityBody {
  @ApiProperty()
  @IsBoolean()
  available!: boolean;

  @ApiProperty({ type: [WeeklySlot] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WeeklySlot)
  weekly!: WeeklySlot[];
}

/** One change per request, so each is applied whole or not at all. */
export class UpdateMemberBody {
  @ApiPropertyOptional({
    enum: ['admin', 'user'],
    description: 'R3; the Owner role moves only by POST /v1/orgs/{orgId}/ownership-transfer (R2)',
  })
  @Optional()
  @IsIn(['admin', 'user'], {
    message: 'role must be admin or user: the Owner role moves only by an ownership transfer (R2)',
  })
  role?: 'admin' | 'user';

  @ApiPropertyOptional({
    example: ['members.read', 'members.invite'],
    description: 'R20: permissions to grant',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  grant?: string[];

  @ApiPropertyOptional({ example: ['members.invite'], description: 'R20: granted permissions to revoke' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  revoke?: string[];

  @ApiPropertyOptional({ description: 'R15: a billable seat' })
  @Optional()
  @IsBoolean()
  schedulable?: boolean;

  @ApiPropertyOptional({ type: AvailabilityBody, description: 'R14' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => AvailabilityBody)
  availability?: AvailabilityBody;
}

function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && readInstant(value) !== undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string' && / \d{2}:\d{2}$/.test(args.value)
            ? 'must be an RFC 3339 date-time with an offset, e.g. 2026-11-30T12:00:00Z; a "+" in a query string is read as a space: send it as %2B'
            : 'must be an RFC 3339 date-time with an offset, e.g. 2026-11-30T12:00:00Z',
      },
    },
    options,
  );
}

export class RosterQuery extends PageQuery {
  @ApiProperty({
    example: '2026-11-30T12:00:00Z',
    format: 'date-time',
    description:
      'an instant (RFC 3339: date, time and offset); one still to come is answered as now. With a cursor: the `at` of the answer that gave it',
  })
  @IsInstant()
  at!: string;
}

/** What the organization's history holds: the event names of `membership.organization.v1` (its state has a topic of its own). */
export const ORGANIZATION_EVENT_TYPES: readonly string[] = eventSchemas
  .map((schema) => /^membership\.([A-Za-z]+)\.v\d+$/.exec(eventTypeOfSchema(schema))?.[1])
  .filter((name): name is string => name !== undefined && name !== 'OrganizationState')
  .sort();

export class AuditEventsQuery extends PageQuery {
  @ApiPropertyOptional({
    ...ID,
    description:
      'only changes about this member or made by them (a transfer is about both Owners, a team’s deletion about its members)',
  })
  @Optional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  userId?: string;

  @ApiPropertyOptional({
    example: 'MemberRoleChanged,PermissionsGranted',
    description: `only events of these types, comma-separated: ${ORGANIZATION_EVENT_TYPES.join(', ')}`,
  })
  @Optional()
  @ValidateBy({
    name: 'isOrganizationEventTypeList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        value.split(',').every((type) => ORGANIZATION_EVENT_TYPES.includes(type)),
      defaultMessage: (args) =>
        typeof args?.value !== 'string'
          ? 'type must be given once, its event types separated by commas'
          : `type ${args.value
              .split(',')
              .filter((type) => !ORGANIZATION_EVENT_TYPES.includes(type))
              .map((type) => JSON.stringify(type))
              .join(', ')} is not an event type of an organization's history`,
    },
  })
  type?: string;

  @ApiPropertyOptional({
    example: '2026-11-01T00:00:00Z',
    format: 'date-time',
    description: 'only events at or after this instant (RFC 3339: date, time and offset)',
  })
  @Optional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    format: 'date-time',
    description: 'only events at or before this instant; not before `from`',
  })
  @Optional()
  @IsInstant()
  @ValidateBy({
    name: 'isNotBeforeFrom',
    validator: {
      validate: (value: unknown, args) => {
        const given = (args?.object as AuditEventsQuery).from;
        const [from, to] = [
          typeof given === 'string' ? readInstant(given) : undefined,
          readInstant(String(value)),
        ];
        // A `from` (or `to`) that is no instant is its own 400; `to` is not blamed for it.
        return from === undefined || to === undefined || notLater(from, to);
      },
      defaultMessage: () => 'to must not be before from',
    },
  })
  to?: string;
}
