import { createContext, useContext } from 'react';
import { type Schemas } from './api/client';

export interface OrgState {
  readonly org: Schemas['OrganizationView'];
  /** Reads the organization again (after a change of role, settings or owner). */
  readonly reload: () => void;
}

export const OrgContext = createContext<OrgState | undefined>(undefined);

export function useOrg(): OrgState & { readonly can: (permission: string) => boolean } {
  const state = useContext(OrgContext);
  if (!state) throw new Error('useOrg outside an organization');
  return { ...state, can: (permission) => state.org.myPermissions.includes(permission) };
}
