import { useEffect, useState } from 'react';
import { useOrg } from '../org';
import { Alert, messageOf } from '../ui/async';
import { Check } from '../ui/field';
import { grantability, heldByRole, permissionsCatalog, type Permission } from './permissions';

/**
 * The extra permissions of an invitation: those the inviter holds and the role does not, each with what it gates
 * and, when it cannot be chosen yet, why (a prerequisite, the role, the plan). Only Owners and Admins grant.
 */
export function PermissionChoices({
  role,
  chosen,
  onChange,
}: {
  role: 'admin' | 'user';
  chosen: readonly string[];
  onChange: (permissions: string[]) => void;
}) {
  const { org } = useOrg();
  const [catalog, setCatalog] = useState<Permission[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    permissionsCatalog().then(setCatalog, (e: unknown) => setError(messageOf(e)));
  }, []);
  if (org.myRole === 'user') return null;
  const byRole = heldByRole(catalog, role);
  const holds = new Set([...byRole, ...chosen]);
  return (
    <fieldset>
      <legend>Extra permissions</legend>
      <Alert>{error}</Alert>
      {catalog
        .filter((p) => !byRole.has(p.name) && org.myPermissions.includes(p.name))
        .map((p) => {
          const on = chosen.includes(p.name);
          const { grantable, reason } = grantability(p, role, holds, org.plan);
          return (
            <Check
              key={p.name}
              label={p.name}
              hint={!on && reason ? `${p.gates}. ${reason}` : p.gates}
              checked={on}
              disabled={!on && !grantable}
              onChange={(e) =>
                onChange(e.target.checked ? [...chosen, p.name] : chosen.filter((name) => name !== p.name))
              }
            />
          );
        })}
      {byRole.size > 0 && (
        <small className="hint">
          {role === 'admin' ? 'Admins' : 'Users'} already hold: {[...byRole].join(', ')}.
        </small>
      )}
    </fieldset>
  );
}
