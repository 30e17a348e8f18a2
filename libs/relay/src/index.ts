export * from './event-relay';
export * from './public-event-messages';
export * from './publishing-relay';
