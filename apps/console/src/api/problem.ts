/** What the API answers on a refusal (application/problem+json, docs/errors.md). */
export interface Problem {
  readonly title?: string;
  readonly code?: string;
  readonly status?: number;
  readonly errors?: readonly { readonly field?: string; readonly message?: string }[];
}

/** Words for the problems whose title is written for developers; every other title is shown as the API wrote it. */
const PLAIN: Readonly<Record<string, string>> = {
  unauthenticated: 'Please sign in again.',
  'too-many-requests': 'Too many attempts. Please wait a moment and try again.',
  'service-unavailable': 'The service is busy or restarting. Please try again in a moment.',
  'validation-failed': 'Some fields need attention.',
};

/**
 * A refusal in plain words: the API's sentence (or ours for a few), then what is wrong with each field. The stable
 * code is for programs; a person never sees it.
 */
export function problemMessage(
  problem: Problem | undefined,
  fallback = 'Something went wrong. Please try again.',
): string {
  if (!problem || typeof problem !== 'object') return fallback;
  const sentence = (problem.code && PLAIN[problem.code]) || capitalised(problem.title) || fallback;
  const fields = (problem.errors ?? [])
    .filter((e) => e.message)
    // A service's refusal of one field says it in its title already (`email: not a valid e-mail address`).
    .filter((e) => !sentence.toLowerCase().includes(e.message!.toLowerCase()))
    .map((e) => (e.field && e.field !== 'body' ? `${humanField(e.field)}: ${e.message}` : `${e.message}`));
  return [sentence, ...fields].join(' ');
}

function capitalised(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** `teamIds.0` -> `team ids`, `newOwnerId` -> `new owner id`. */
export function humanField(field: string): string {
  return field
    .split('.')
    .filter((part) => !/^\d+$/.test(part))
    .join(' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
