const DASHES = [8, 13, 18, 23];
const scratch = Buffer.alloc(36);
const HEX = /^[0-9a-f]+$/;

/**
 * 32 lower-case hex digits in the 8-4-4-4-12 form, as one flat string. Joined with `+` or a template, the id would
 * be a rope of concatenation nodes over the pieces, which V8 keeps as they are: several hundred bytes of heap for
 * every event the store holds instead of one 36-character string.
 */
export function hyphenatedUuid(hex: string): string {
  // Anything shorter would leave the previous id's digits in the shared buffer.
  if (hex.length !== 32 || !HEX.test(hex)) throw new RangeError(`not 32 hex digits: ${JSON.stringify(hex)}`);
  scratch.write(hex, 4, 32, 'latin1');
  // Each group moves left onto bytes already copied from: the groups after it are still where `write` put them.
  scratch.copyWithin(0, 4, 12);
  scratch.copyWithin(9, 12, 16);
  scratch.copyWithin(14, 16, 20);
  scratch.copyWithin(19, 20, 24);
  for (const at of DASHES) scratch[at] = 0x2d;
  return scratch.toString('latin1', 0, 36);
}

/** The hyphenated text of the 16 bytes at `offset`. */
export function uuidFromBytes(bytes: Buffer, offset: number): string {
  return hyphenatedUuid(bytes.toString('hex', offset, offset + 16));
}
