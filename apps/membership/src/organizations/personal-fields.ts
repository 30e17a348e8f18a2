import { type AddressSubjects, type SealingRules } from '@app/personal-data';

const INVITATION_EVENTS = new Set(['InvitationCreated', 'InvitationSent']);
const ADDRESSES = new Set(['email', 'phone']);

/**
 * An invitee's address is sealed with a key of the address's own: the invitee may never have an account, and erasing
 * them (or the user they became) destroys that key. The organization's snapshots hold the invitations' addresses too.
 */
export function inviteeSealing(addresses: AddressSubjects): SealingRules {
  return {
    events: [
      (streamName, event) => {
        if (!streamName.startsWith('organization-') || !INVITATION_EVENTS.has(event.type)) return [];
        const data = event.data as { email?: unknown; phone?: unknown };
        return [
          ...(typeof data.email === 'string'
            ? [{ field: 'email', subject: addresses.of('email', data.email) }]
            : []),
          ...(typeof data.phone === 'string'
            ? [{ field: 'phone', subject: addresses.of('phone', data.phone) }]
            : []),
        ];
      },
    ],
    snapshots: (_streamName, property, value) =>
      ADDRESSES.has(property) ? addresses.of(property as 'email' | 'phone', value) : undefined,
  };
}
