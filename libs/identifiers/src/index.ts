export * from './email';
export * from './phone';
export * from './locale';
export { normalizeDomain } from './domain';
