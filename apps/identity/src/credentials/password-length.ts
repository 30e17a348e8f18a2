/** ASVS 5.0 L2: at least 8, and at least 64 must be allowed; we allow 128 (argon2 input stays small). */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;
