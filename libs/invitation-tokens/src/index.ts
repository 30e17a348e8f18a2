export * from './invitation-token';
export * from './invitation-token-secret';
