export * from './event-relay';
export * from './public-event-messages';
