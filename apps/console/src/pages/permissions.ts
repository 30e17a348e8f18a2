import { api, unwrap } from '../api/client';
import { type Permission } from './grants';

export { grantability, heldByRole, type Permission } from './grants';

let catalog: Promise<Permission[]> | undefined;

/** The deployment's permissions catalog, read once per page load. */
export function permissionsCatalog(): Promise<Permission[]> {
  catalog ??= unwrap(api.GET('/v1/permissions', {})).then(
    (answer) => answer.permissions,
    (error: unknown) => {
      catalog = undefined;
      throw error;
    },
  );
  return catalog;
}
