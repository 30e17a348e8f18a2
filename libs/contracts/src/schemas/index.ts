/**
 * Every public event type's JSON Schema. Adding an event type = adding its schema file here and its message to
 * asyncapi.yaml; a unit test keeps the two in step.
 */
import identityEmailVerifiedV1 from './identity/identity.EmailVerified.v1.schema.json';
import identityUserDeletedV1 from './identity/identity.UserDeleted.v1.schema.json';
import identityUserErasedV1 from './identity/identity.UserErased.v1.schema.json';
import identityUserRegisteredV1 from './identity/identity.UserRegistered.v1.schema.json';
import identityEmailChangedV1 from './identity/identity.EmailChanged.v1.schema.json';
import identityProfileUpdatedV1 from './identity/identity.ProfileUpdated.v1.schema.json';
import identityPasswordChangedV1 from './identity/identity.PasswordChanged.v1.schema.json';
import identityTwoFactorEnabledV1 from './identity/identity.TwoFactorEnabled.v1.schema.json';
import identityTwoFactorDisabledV1 from './identity/identity.TwoFactorDisabled.v1.schema.json';
import identityRecoveryCodesReplacedV1 from './identity/identity.RecoveryCodesReplaced.v1.schema.json';
import identityUserLockedV1 from './identity/identity.UserLocked.v1.schema.json';
import identityUserUnlockedV1 from './identity/identity.UserUnlocked.v1.schema.json';
import notificationsEmailRequestedV1 from './notifications/notifications.EmailRequested.v1.schema.json';
import notificationsDeliverySucceededV1 from './notifications/notifications.DeliverySucceeded.v1.schema.json';
import notificationsDeliveryFailedV1 from './notifications/notifications.DeliveryFailed.v1.schema.json';
import membershipChildOrganizationLinkedV1 from './membership/membership.ChildOrganizationLinked.v1.schema.json';
import membershipChildOrganizationUnlinkedV1 from './membership/membership.ChildOrganizationUnlinked.v1.schema.json';
import membershipParentOrganizationLinkedV1 from './membership/membership.ParentOrganizationLinked.v1.schema.json';
import membershipParentOrganizationUnlinkedV1 from './membership/membership.ParentOrganizationUnlinked.v1.schema.json';
import membershipPasswordResetRequestedV1 from './membership/membership.PasswordResetRequested.v1.schema.json';
import membershipDomainClaimedV1 from './membership/membership.DomainClaimed.v1.schema.json';
import membershipDomainReleasedV1 from './membership/membership.DomainReleased.v1.schema.json';
import membershipSettingsUpdatedV1 from './membership/membership.SettingsUpdated.v1.schema.json';
import membershipContactPersonChangedV1 from './membership/membership.ContactPersonChanged.v1.schema.json';
import membershipAvailabilityChangedV1 from './membership/membership.AvailabilityChanged.v1.schema.json';
import membershipInvitationCreatedV1 from './membership/membership.InvitationCreated.v1.schema.json';
import membershipInviteeErasedV1 from './membership/membership.InviteeErased.v1.schema.json';
import membershipInvitationChangedV1 from './membership/membership.InvitationChanged.v1.schema.json';
import membershipInvitationSentV1 from './membership/membership.InvitationSent.v1.schema.json';
import membershipInvitationRevokedV1 from './membership/membership.InvitationRevoked.v1.schema.json';
import membershipInvitationAcceptedV1 from './membership/membership.InvitationAccepted.v1.schema.json';
import membershipInvitationExpiredV1 from './membership/membership.InvitationExpired.v1.schema.json';
import membershipMemberJoinedV1 from './membership/membership.MemberJoined.v1.schema.json';
import membershipMemberLeftV1 from './membership/membership.MemberLeft.v1.schema.json';
import membershipMemberRemovedV1 from './membership/membership.MemberRemoved.v1.schema.json';
import membershipMemberRoleChangedV1 from './membership/membership.MemberRoleChanged.v1.schema.json';
import membershipOrganizationCreatedV1 from './membership/membership.OrganizationCreated.v1.schema.json';
import membershipOrganizationDeletedV1 from './membership/membership.OrganizationDeleted.v1.schema.json';
import membershipOwnershipTransferredV1 from './membership/membership.OwnershipTransferred.v1.schema.json';
import membershipPermissionsGrantedV1 from './membership/membership.PermissionsGranted.v1.schema.json';
import membershipPermissionsRevokedV1 from './membership/membership.PermissionsRevoked.v1.schema.json';
import membershipSchedulableChangedV1 from './membership/membership.SchedulableChanged.v1.schema.json';
import membershipSeatsChangedV1 from './membership/membership.SeatsChanged.v1.schema.json';
import membershipTeamCreatedV1 from './membership/membership.TeamCreated.v1.schema.json';
import membershipTeamDeletedV1 from './membership/membership.TeamDeleted.v1.schema.json';
import membershipTeamMemberAddedV1 from './membership/membership.TeamMemberAdded.v1.schema.json';
import membershipTeamMemberRemovedV1 from './membership/membership.TeamMemberRemoved.v1.schema.json';
import membershipTeamRenamedV1 from './membership/membership.TeamRenamed.v1.schema.json';
import identityUserStateV1 from './identity/identity.UserState.v1.schema.json';
import membershipOrganizationStateV1 from './membership/membership.OrganizationState.v1.schema.json';

export const eventSchemas: readonly { readonly $id: string; readonly [key: string]: unknown }[] = [
  identityUserRegisteredV1,
  identityEmailVerifiedV1,
  identityUserDeletedV1,
  identityUserErasedV1,
  identityEmailChangedV1,
  identityProfileUpdatedV1,
  identityPasswordChangedV1,
  identityTwoFactorEnabledV1,
  identityTwoFactorDisabledV1,
  identityRecoveryCodesReplacedV1,
  identityUserLockedV1,
  identityUserUnlockedV1,
  notificationsEmailRequestedV1,
  notificationsDeliverySucceededV1,
  notificationsDeliveryFailedV1,
  membershipMemberJoinedV1,
  membershipMemberLeftV1,
  membershipMemberRemovedV1,
  membershipMemberRoleChangedV1,
  membershipOrganizationCreatedV1,
  membershipOrganizationDeletedV1,
  membershipOwnershipTransferredV1,
  membershipPermissionsGrantedV1,
  membershipPermissionsRevokedV1,
  membershipSchedulableChangedV1,
  membershipSeatsChangedV1,
  membershipTeamCreatedV1,
  membershipTeamDeletedV1,
  membershipTeamMemberAddedV1,
  membershipTeamMemberRemovedV1,
  membershipTeamRenamedV1,
  identityUserStateV1,
  membershipOrganizationStateV1,
  membershipInvitationCreatedV1,
  membershipInviteeErasedV1,
  membershipInvitationChangedV1,
  membershipInvitationSentV1,
  membershipInvitationRevokedV1,
  membershipInvitationAcceptedV1,
  membershipInvitationExpiredV1,
  membershipSettingsUpdatedV1,
  membershipContactPersonChangedV1,
  membershipAvailabilityChangedV1,
  membershipDomainClaimedV1,
  membershipDomainReleasedV1,
  membershipChildOrganizationLinkedV1,
  membershipChildOrganizationUnlinkedV1,
  membershipParentOrganizationLinkedV1,
  membershipParentOrganizationUnlinkedV1,
  membershipPasswordResetRequestedV1,
];
