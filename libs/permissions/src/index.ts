export * from './permissions-catalog';
export * from './catalog-file';
