export * from './field-cipher';
export * from './key-store';
export * from './key-wrapping';
export * from './file-key-store';
export * from './mongo-key-store';
export * from './personal-data-vault';
