import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

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
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958', description: 'any format; compared as E.164' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string;
}
