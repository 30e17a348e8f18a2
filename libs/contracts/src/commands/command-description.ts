import { Type, type TObject, type TProperties } from '@sinclair/typebox';

/** The services that send commands over the bus, each signing what it sends (see `@app/messaging` signed requests). */
export type Sender = 'gateway' | 'identity';

/**
 * One command as the bus knows it: its fields (a JSON Schema), who may send it, and whether R22's second factor is
 * needed where an organization requires one. Internal commands exist only in-process (reactions, scheduled work,
 * steps of a workflow) and are refused on the bus whoever sends them.
 */
export interface CommandDescription {
  readonly summary: string;
  readonly fields: TObject;
  readonly senders: readonly Sender[];
  readonly internal: boolean;
  readonly twoFactor: boolean;
  /** The command acts on the authenticated caller (`actorId`), and is refused without one. */
  readonly signedIn: boolean;
}

export function command(
  summary: string,
  fields: TProperties,
  options: { senders?: readonly Sender[]; twoFactor?: boolean; signedIn?: boolean } = {},
): CommandDescription {
  return {
    summary,
    fields: Type.Object(fields, { additionalProperties: false }),
    senders: options.senders ?? ['gateway'],
    internal: false,
    twoFactor: options.twoFactor ?? true,
    signedIn: options.signedIn ?? true,
  };
}

export function internalCommand(summary: string, fields: TProperties): CommandDescription {
  return {
    summary,
    fields: Type.Object(fields, { additionalProperties: false }),
    senders: [],
    internal: true,
    twoFactor: false,
    signedIn: false,
  };
}

/**
 * What a name (of a person, an organization, a team) may hold: at least one letter, digit, symbol or punctuation mark,
 * and no control characters (line breaks and separators, NUL, escape), no Braille blank, and no character Unicode
 * says to draw as nothing (`Default_Ignorable_Code_Point`: bidirectional controls, zero-width space, soft hyphen,
 * word joiner, byte-order mark, Hangul fillers, ...), which would make a name read otherwise than it is stored, or two
 * names that read alike differ. Nor a character no font draws the same for everyone (private use), a noncharacter, or
 * half of a surrogate pair (which UTF-8 cannot carry: a store would keep another character than the event). Emoji keep
 * what they are built with: joiners (ZWJ, ZWNJ), variation selectors and the tags of subdivision flags.
 */
export const NAME_PATTERN =
  '^(?=.*[\\p{L}\\p{N}\\p{S}\\p{P}])(?:[\\u200C\\u200D\\uFE00-\\uFE0F\\u{E0020}-\\u{E007F}\\u{E0100}-\\u{E01EF}]|[^\\p{Cc}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}\\p{Co}\\p{Cs}\\p{Noncharacter_Code_Point}\\u2800\\uFFF9-\\uFFFB])+$';

/** Field types shared by the command descriptions. */
export const Fields = {
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  name: Type.String({ minLength: 1, maxLength: 200, pattern: NAME_PATTERN }),
  teamName: Type.String({ minLength: 1, maxLength: 100, pattern: NAME_PATTERN }),
  text: Type.String({ minLength: 1, maxLength: 320, pattern: '\\S' }),
  secret: Type.String({ minLength: 1, maxLength: 1024 }),
  email: Type.String({ minLength: 3, maxLength: 320, pattern: '\\S' }),
  phone: Type.String({ minLength: 1, maxLength: 40, pattern: '\\S' }),
  permission: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  invitedRole: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  teamRole: Type.Union([Type.Literal('manager'), Type.Literal('member')]),
  boolean: Type.Boolean(),
};
