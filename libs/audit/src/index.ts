export * from './signing-key';
export * from './checkpoints';
export * from './bundle';
export * from './verify-bundle';
export * from './signing-keys-stream';
export * from './audit-checkpointer';
export * from './audit-checkpointer.provider';
export * from './seal';
