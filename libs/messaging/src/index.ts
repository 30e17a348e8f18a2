export * from './deliver-with-retries';
export * from './in-process-bus';
export * from './kafka-bus';
export * from './message-bus';
export * from './messaging.module';
export * from './poison-message-error';
export * from './request-reply';
export * from './event-channel';
