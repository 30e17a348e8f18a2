import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Optional } from './optional';

export class LockUserBody {
  @ApiProperty({ example: 'reported as compromised', description: 'recorded on the account (UserLocked)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  reason!: string;
}

export class EraseInviteeBody {
  @ApiPropertyOptional({
    example: 'zoe@example.com',
    description: 'the invited address: e-mail or phone, not both',
  })
  @Optional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958', description: 'any format; compared as E.164' })
  @Optional()
  @IsString()
  @MaxLength(40)
  phone?: string;
}
