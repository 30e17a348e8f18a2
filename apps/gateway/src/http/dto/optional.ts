import { ValidateIf } from 'class-validator';

/**
 * The field may be left out; a value it is given, null included, must pass its other rules. class-validator's
 * IsOptional lets null through unchecked, which the write services would then meet (`{"grant":null}` refused there
 * naming `command.permissions`, `{"availability":null}` a 500). Where null means something (`phone: null` removes
 * the phone), the field says so with IsOptional.
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}
