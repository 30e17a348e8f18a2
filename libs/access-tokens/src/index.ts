export * from './access-token-verifier';
