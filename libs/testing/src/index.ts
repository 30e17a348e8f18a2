export * from './wait-for';
export * from './temp-dir';
export * from './infra-env';
export * from './decider-spec';
export * from './documented-errors';
export * from './free-port';
export * from './service-process';
export * from './organization-event';
