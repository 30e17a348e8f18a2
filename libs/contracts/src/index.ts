export * from './event-envelope';
export * from './schema-registry';
export * from './topics';
export * from './invitation-query';
export * from './commands';
export * from './streams';
export * from './schema-compatibility';
export * from './schema-uri';
export { eventSchemas } from './schemas';
