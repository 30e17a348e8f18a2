import { applyDecorators } from '@nestjs/common';
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { NAME_PATTERN } from '@app/contracts';

const NAME = new RegExp(NAME_PATTERN, 'u');

/** A name of a person, an organization or a team, held to what the write services take (`NAME_PATTERN`). */
export function NameField(maxLength: number): PropertyDecorator {
  return applyDecorators(
    IsString(),
    IsNotEmpty(),
    MaxLength(maxLength),
    Matches(NAME, {
      message:
        '$property must be visible text: no control, bidirectional, invisible or private-use characters',
    }),
  );
}
