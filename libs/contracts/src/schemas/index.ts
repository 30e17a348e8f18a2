/**
 * Every public event type's JSON Schema. Adding an event type = adding its schema file here and its message to
 * asyncapi.yaml; a unit test keeps the two in step.
 */
import identityEmailVerifiedV1 from './identity/identity.EmailVerified.v1.schema.json';
import identityUserDeletedV1 from './identity/identity.UserDeleted.v1.schema.json';
import identityUserRegisteredV1 from './identity/identity.UserRegistered.v1.schema.json';

export const eventSchemas: readonly { readonly $id: string; readonly [key: string]: unknown }[] = [
  identityUserRegisteredV1,
  identityEmailVerifiedV1,
  identityUserDeletedV1,
];
