import { Type } from '@sinclair/typebox';
import { Fields } from './command-description';
import { CommandRequests } from './command-requests';
import { IDENTITY_COMMANDS } from './identity-commands';
import { MEMBERSHIP_COMMANDS } from './membership-commands';

const membership = new CommandRequests(MEMBERSHIP_COMMANDS, { orgId: Fields.id, actorId: Fields.id });
const identity = new CommandRequests(IDENTITY_COMMANDS, { actorId: Type.Optional(Fields.id) });
const envelope = { commandId: 'c1', orgId: 'org-1', actorId: 'ada' };

describe('names on the bus', () => {
  const commands = (name: string) => [
    membership.check({ ...envelope, command: { type: 'CreateOrganization', name } }),
    membership.check({ ...envelope, command: { type: 'CreateTeam', teamId: 't1', name } }),
    membership.check({ ...envelope, command: { type: 'UpdateSettings', name } }),
    identity.check({ commandId: 'c1', actorId: 'ada', command: { type: 'UpdateProfile', name } }),
    identity.check({
      commandId: 'c1',
      command: { type: 'Register', name, email: 'ada@example.com', password: 'a long passphrase' },
    }),
  ];

  it('are refused, naming the field, with control characters or bidirectional controls, private-use characters, noncharacters, lone surrogates, or nothing visible', () => {
    for (const name of [
      'Evil\u0000Corp',
      'Two\nLines',
      'Tab\there',
      'Ref\u001b[31m',
      'Acme\u202Egnp.exe',
      'x\u2066y',
      '  ',
      'a\u200Fb',
      'a\u061Cb',
      'Line\u2028Break',
      '\u200B\u200B',
      '\u3164',
      '\u2800',
      'Ada\u200B',
      'a\uFEFFb',
      'Sup\u2060port',
      'x\u2062y',
      'Mon\u180Egol',
      'Soft\u00ADhyphen',
      'Com\u034Fbining',
      'Khmer\u17B4',
      'Anno\uFFF9tation',
      'Tag\u{E0001}',
      'Filler\u115F',
      'Private\uE000',
      '\u{F0000}',
      'Non\uFDD0char',
      'End\uFFFF',
      'Plane\u{1FFFE}',
      'Half\uD800',
      '\uDC00Half',
    ])
      for (const checked of commands(name))
        expect([JSON.stringify(name), checked.ok, checked.ok ? undefined : checked.field]).toEqual([
          JSON.stringify(name),
          false,
          'command.name',
        ]);
  });

  it('take accents, scripts, emoji and their joiners', () => {
    for (const name of [
      'Zoë Çelik',
      'Équipe 👩‍👩‍👧',
      '山田 太郎',
      'O’Brien & Co.',
      'Love ❤️',
      'Team 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
      'می\u200Cخواهم',
    ])
      for (const checked of commands(name)) expect([name, checked.ok]).toEqual([name, true]);
  });
});
