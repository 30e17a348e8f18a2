export * from './delivery-log';
export * from './mail-transport';
export * from './notifier';
export * from './outgoing-message';
export * from './sms-transport';
