/** The delivery log the service records its deliveries in. */
export const DELIVERY_LOG = Symbol('DELIVERY_LOG');

/** The bus retry policy of the subscriptions that deliver (see `busRetryOf`). */
export const DELIVERY_RETRY = Symbol('DELIVERY_RETRY');
