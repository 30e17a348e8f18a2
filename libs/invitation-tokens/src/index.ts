export * from './invitation-token';
