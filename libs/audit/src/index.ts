export * from './signing-key';
export * from './checkpoints';
export * from './bundle';
export * from './verify-bundle';
