export * from './in-memory-read-store';
export * from './mongo-read-store';
export * from './read-store';
export * from './read-store.module';
