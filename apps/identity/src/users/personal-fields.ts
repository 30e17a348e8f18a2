import { type SealingRule } from '@app/personal-data';
import { type UserEventType } from './user.events';

/** The personal fields of each user event, sealed in the event store with the user's own key. */
export const USER_PERSONAL_FIELDS: Partial<Record<UserEventType, readonly string[]>> = {
  UserRegistered: ['email', 'name', 'phone'],
  EmailVerified: ['email'],
  EmailChanged: ['email', 'previousEmail'],
  ProfileUpdated: ['name', 'phone', 'previousPhone'],
};

const USER_STREAM = 'user-';

export const sealUserPersonalFields: SealingRule = (streamName, event) => {
  if (!streamName.startsWith(USER_STREAM)) return [];
  const subject = streamName.slice(USER_STREAM.length);
  return (USER_PERSONAL_FIELDS[event.type as UserEventType] ?? []).map((field) => ({ field, subject }));
};
