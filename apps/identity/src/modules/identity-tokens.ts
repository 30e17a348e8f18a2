/** Injection tokens of identity's ports (interfaces) and configuration; classes are their own tokens. */
export const IDENTITY_CONFIG = Symbol('IDENTITY_CONFIG');
/** Where development keys are kept when none is configured (undefined: fresh keys in memory). */
export const KEY_DIR = Symbol('KEY_DIR');
export const SECRET_STORES = Symbol('SECRET_STORES');
export const CREDENTIAL_STORE = Symbol('CREDENTIAL_STORE');
export const TWO_FACTOR_STORE = Symbol('TWO_FACTOR_STORE');
export const REFRESH_TOKEN_STORE = Symbol('REFRESH_TOKEN_STORE');
export const ONE_TIME_TOKEN_STORE = Symbol('ONE_TIME_TOKEN_STORE');
export const THROTTLE_STORE = Symbol('THROTTLE_STORE');
export const REQUEST_SIGNING_KEYS = Symbol('REQUEST_SIGNING_KEYS');
