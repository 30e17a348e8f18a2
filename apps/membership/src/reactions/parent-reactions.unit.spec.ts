import { type EventEnvelope } from '@app/contracts';
import { mayTakeCustomersManage } from './parent-reactions';

const event = (name: string, data: Record<string, unknown> = {}): EventEnvelope =>
  ({ type: `membership.${name}.v1`, data }) as unknown as EventEnvelope;

describe('R5, R19: the parent events that ask its children to recheck their invitations', () => {
  it('are those that can take customers.manage away: a departure, a demotion, a transfer, its revocation', () => {
    expect(
      [
        event('MemberRemoved', { userId: 'u' }),
        event('MemberLeft', { userId: 'u' }),
        event('OwnershipTransferred', { from: 'o', to: 'u' }),
        event('MemberRoleChanged', { userId: 'u', from: 'admin', to: 'user' }),
        event('MemberRoleChanged', { userId: 'u', from: 'owner', to: 'admin' }),
        event('PermissionsRevoked', { userId: 'u', permissions: ['members.read', 'customers.manage'] }),
      ].map(mayTakeCustomersManage),
    ).toEqual([true, true, true, true, true, true]);
  });

  it('are not a promotion, another revocation, a grant or any other event', () => {
    expect(
      [
        event('MemberRoleChanged', { userId: 'u', from: 'user', to: 'admin' }),
        event('PermissionsRevoked', { userId: 'u', permissions: ['members.read'] }),
        event('PermissionsGranted', { userId: 'u', permissions: ['customers.manage'] }),
        event('MemberJoined', { userId: 'u', role: 'user' }),
        event('InvitationRevoked', { invitationId: 'i' }),
      ].map(mayTakeCustomersManage),
    ).toEqual([false, false, false, false, false]);
  });
});
