/** Injection tokens of the gateway's configuration and ports. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const PERMISSIONS_CATALOG = Symbol('PERMISSIONS_CATALOG');
export const READ_MODELS = Symbol('READ_MODELS');
export const REQUEST_SIGNING_KEYS = Symbol('REQUEST_SIGNING_KEYS');
export const INVITATION_TOKENS = Symbol('INVITATION_TOKENS');
