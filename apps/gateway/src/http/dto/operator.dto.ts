import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LockUserBody {
  @ApiProperty({ example: 'reported as compromised', description: 'recorded on the account (UserLocked)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  reason!: string;
}
