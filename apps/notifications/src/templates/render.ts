import { CATALOGS, type Locale, type TemplateName } from './catalog';

/** The values a message may carry; every one of them may come from a user and is escaped in HTML. */
export interface MessageValues {
  readonly name?: string;
  readonly org?: string;
  readonly role?: string;
  readonly link?: string;
  readonly until?: string;
}

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** An e-mail in plain text and HTML, in the recipient's locale. */
export function renderMessage(
  template: TemplateName,
  locale: Locale,
  values: MessageValues,
): RenderedMessage {
  const { subject, text, html } = render(template, locale, values);
  return { subject, text, html };
}

/** A text message: the e-mail's text without its e-mail-only paragraphs (each segment costs money). */
export function renderTextMessage(template: TemplateName, locale: Locale, values: MessageValues): string {
  return render(template, locale, values).textMessage;
}

function render(
  template: TemplateName,
  locale: Locale,
  values: MessageValues,
): RenderedMessage & { textMessage: string } {
  const catalog = CATALOGS[locale];
  const words = catalog[template];
  const filled: Record<string, string> = {
    name: values.name ?? '',
    org: values.org || catalog.someOrganization,
    role: catalog.roles[values.role && Object.hasOwn(catalog.roles, values.role) ? values.role : 'user']!,
    until: values.until ? readableInstant(values.until, locale) : '',
  };
  const fill = (pattern: string, escape: (s: string) => string) =>
    pattern.replace(/\{(name|org|role|until)\}/g, (_m, key: string) => escape(filled[key] ?? ''));
  const hello = values.name ? catalog.helloNamed : catalog.hello;
  // Only web links become links: a `javascript:` or `data:` one would run in the reader's mail client.
  const link = values.link && /^https?:\/\//i.test(values.link) ? values.link : undefined;
  const until = link && values.until ? catalog.until : undefined;
  const plain = (s: string) => s;

  const paragraphs = (mailOnly: readonly string[]) =>
    [
      fill(hello, plain),
      ...[...words.body, ...mailOnly].map((p) => fill(p, plain)),
      ...(link ? [link] : []),
      ...(until ? [fill(until, plain)] : []),
    ].join('\n\n');
  const text = paragraphs(words.mailOnly ?? []);
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;color:#1a1a1a">',
    `<p>${fill(hello, escapeHtml)}</p>`,
    ...[...words.body, ...(words.mailOnly ?? [])].map((p) => `<p>${fill(p, escapeHtml)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(words.action ?? link)}</a></p>`] : []),
    ...(until ? [`<p>${fill(until, escapeHtml)}</p>`] : []),
    '</body></html>',
  ].join('\n');
  // A header carries one line, whatever a name holds.
  return {
    subject: fill(words.subject, plain).replace(/[\r\n]+/g, ' '),
    text: `${text}\n`,
    html,
    // Said of a name only when there is one: without it, the message reads "an organization".
    textMessage: `${paragraphs(values.org ? (words.textMessageOnly ?? []) : [])}\n`,
  };
}

/** How each language writes a date and time; in UTC, said so, since a mail does not know where it is read. */
const DATE_TIME: Record<Locale, Intl.DateTimeFormat> = {
  en: dateTimeIn('en-GB'),
  de: dateTimeIn('de-DE'),
};

function dateTimeIn(locale: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
}

/** `2026-12-31T18:05:00Z` as `31 December 2026 at 18:05 UTC` (`31. Dezember 2026 um 18:05 UTC`); other text as it is. */
function readableInstant(value: string, locale: Locale): string {
  const at = Date.parse(value);
  return Number.isNaN(at) ? value : DATE_TIME[locale].format(at);
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
