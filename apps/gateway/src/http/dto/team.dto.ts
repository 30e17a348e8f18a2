import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsString, MaxLength } from 'class-validator';
import { Optional } from './optional';
import { NameField } from './name-field';
import { PageQuery } from './org.dto';

export class TeamBody {
  @ApiProperty({ example: 'Support' })
  @NameField(100)
  name!: string;
}

export class TeamMemberBody {
  @ApiProperty({ enum: ['manager', 'member'] })
  @IsIn(['manager', 'member'])
  role!: 'manager' | 'member';
}

export class InvitationBody {
  @ApiPropertyOptional({ example: 'bob@example.com', description: 'e-mail or phone, not both' })
  @Optional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958' })
  @Optional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @ApiProperty({ enum: ['admin', 'user'] })
  @IsIn(['admin', 'user'])
  role!: 'admin' | 'user';

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  teamIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['members.read'],
    description: 'R20: within the inviter’s rights',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  permissions?: string[];

  @ApiPropertyOptional({ default: true, description: 'R6: false adds the invitation without sending it' })
  @Optional()
  @IsBoolean()
  send?: boolean;
}

/** The terms of a pending invitation (R5): what an invitation says besides whom it is for. */
export class ChangeInvitationBody extends PickType(InvitationBody, [
  'role',
  'teamIds',
  'permissions',
] as const) {}

class ImportRowBody {
  @ApiPropertyOptional({ type: String, example: 'carol@example.com' })
  @Optional()
  email?: unknown;

  @ApiPropertyOptional({ type: String, example: '+14155552671' })
  @Optional()
  phone?: unknown;

  @ApiPropertyOptional({ enum: ['admin', 'user'] })
  @Optional()
  role?: unknown;

  @ApiPropertyOptional({ type: [String] })
  @Optional()
  teamIds?: unknown;
}

export class ImportBody {
  @ApiProperty({
    type: [ImportRowBody],
    minItems: 1,
    maxItems: 1_000,
    description: 'R7: checked row by row; a bad row refuses only itself',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1_000)
  // Not validated here: membership checks each row and refuses only a bad one, as it does for CSV (R7).
  rows!: unknown[];

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  send?: boolean;
}

export class InvitationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'accepted', 'revoked', 'expired'] })
  @Optional()
  @IsIn(['pending', 'accepted', 'revoked', 'expired'])
  status?: 'pending' | 'accepted' | 'revoked' | 'expired';
}
