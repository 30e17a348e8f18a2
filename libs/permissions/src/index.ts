export * from './permissions-catalog';
export * from './catalog-file';
export * from './role-defaults';
