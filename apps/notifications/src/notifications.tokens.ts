/** The delivery log the service records its deliveries in. */
export const DELIVERY_LOG = Symbol('DELIVERY_LOG');

/** The bus retry policy of the subscriptions that deliver (see `busRetryOf`). */
export const DELIVERY_RETRY = Symbol('DELIVERY_RETRY');

/** The locale messages are written in when the recipient's is not known (`NOTIFY_LOCALE`, default `en`). */
export const MESSAGE_LOCALE = Symbol('MESSAGE_LOCALE');

/** The kinds of notice that are sent (all but those in `NOTIFY_OFF`). */
export const ENABLED_NOTICES = Symbol('ENABLED_NOTICES');

/** Deliveries each consumer works on at once per partition (`NOTIFY_IN_HAND_PER_PARTITION`, see `inHandOf`). */
export const DELIVERIES_IN_HAND = Symbol('DELIVERIES_IN_HAND');

/** How many invitation messages one address or number receives in an hour (`NOTIFY_INVITATIONS_PER_HOUR`). */
export const INVITATION_QUOTA = Symbol('INVITATION_QUOTA');

/** How many notices one person receives about one organization in an hour (`NOTIFY_NOTICES_PER_HOUR`). */
export const NOTICE_QUOTA = Symbol('NOTICE_QUOTA');

/** How a delivery names its recipient's address for erasures (`RecipientKeys`). */
export const RECIPIENT_KEYS = Symbol('RECIPIENT_KEYS');

/** How long after an erasure its deliveries are forgotten once more, for those being claimed as it arrived (ms). */
export const ERASURE_SECOND_PASS_MS = Symbol('ERASURE_SECOND_PASS_MS');
