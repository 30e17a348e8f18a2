export * from './command-description';
export * from './command-requests';
export * from './membership-commands';
export * from './identity-commands';
export * from './identity-answers';
