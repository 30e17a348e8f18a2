export * from './correlation-id';
export * from './health';
export * from './http-app';
export * from './logger';
export * from './metrics';
export * from './problem-details';
export * from './service-config';
export * from './service-main';
