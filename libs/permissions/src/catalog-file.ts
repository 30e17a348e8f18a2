import { readFileSync } from 'node:fs';
import {
  defaultCatalog,
  extendCatalog,
  ROLE_RANK,
  type OperatorPermission,
  type PermissionsCatalog,
  type Role,
} from './permissions-catalog';

/**
 * The catalog a service runs with: the built-in one, extended by the operator's permissions in the JSON file named
 * by PERMISSIONS_FILE (docs/permissions.md, "Operator permissions"). A malformed file stops the service with the
 * file and the entry named.
 */
export function loadPermissionsCatalog(env: NodeJS.ProcessEnv = process.env): PermissionsCatalog {
  const file = env.PERMISSIONS_FILE;
  if (!file) return defaultCatalog;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`PERMISSIONS_FILE ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`PERMISSIONS_FILE ${file}: must be an object of permissions`);
  const extra: Record<string, OperatorPermission> = {};
  for (const [name, entry] of Object.entries(parsed)) extra[name] = operatorPermission(file, name, entry);
  try {
    return extendCatalog(defaultCatalog, extra);
  } catch (error) {
    throw new Error(`PERMISSIONS_FILE ${file}: ${(error as Error).message}`);
  }
}

function operatorPermission(file: string, name: string, entry: unknown): OperatorPermission {
  const fail = (why: string): never => {
    throw new Error(`PERMISSIONS_FILE ${file}: ${name} ${why}`);
  };
  if (!/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/.test(name))
    fail('is not a permission name like area.action');
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('must be an object');
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e))
    if (!['requires', 'minimumRole', 'admin', 'gates', 'plans'].includes(key))
      fail(`has an unknown setting ${key}`);
  const strings = (value: unknown, what: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      fail(`${what} must be a list of names`);
    return value as string[];
  };
  if (e.minimumRole !== undefined && !ROLE_RANK.has(e.minimumRole as Role))
    fail('minimumRole must be owner, admin or user');
  if (e.admin !== undefined && typeof e.admin !== 'boolean') fail('admin must be true or false');
  if (e.gates !== undefined && typeof e.gates !== 'string') fail('gates must be text');
  const requires = strings(e.requires, 'requires');
  const plans = strings(e.plans, 'plans');
  return {
    ...(requires ? { requires } : {}),
    ...(plans ? { plans } : {}),
    ...(e.minimumRole ? { minimumRole: e.minimumRole as Role } : {}),
    ...(e.admin !== undefined ? { admin: e.admin as boolean } : {}),
    ...(e.gates ? { gates: e.gates as string } : {}),
  };
}
