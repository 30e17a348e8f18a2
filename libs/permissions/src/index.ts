export * from './permissions-catalog';
