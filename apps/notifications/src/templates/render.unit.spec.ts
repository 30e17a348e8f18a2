import { LOCALES, localeOf, TEMPLATES } from './catalog';
import { escapeHtml, renderMessage, renderTextMessage } from './render';

const hostile = {
  name: 'Mallory <script>alert(1)</script> & "Co"',
  org: 'Evil <img src=x onerror=alert(2)> Org',
  role: 'admin',
  link: 'https://app.example.com/invitations/abc?x=1&y=<2>',
  until: '2026-12-31T00:00:00.000Z',
};

describe('message templates', () => {
  it.each(TEMPLATES.flatMap((t) => LOCALES.map((l) => [t, l] as const)))(
    '%s in %s renders subject, text and HTML with every value filled in and escaped',
    (template, locale) => {
      const message = renderMessage(template, locale, hostile);
      for (const part of [message.subject, message.text, message.html]) {
        expect(part).not.toMatch(/\{(name|org|role|until)\}/);
        expect(part.length).toBeGreaterThan(0);
      }
      expect(message.subject).not.toMatch(/[\r\n]/);
      expect(message.html).not.toContain('<script>');
      expect(message.html).not.toContain('<img');
      expect(message.html).toContain(escapeHtml(hostile.name));
      if (template === 'invitation') {
        expect(message.subject).toContain(hostile.org);
        expect(message.html).toContain(escapeHtml(hostile.org));
        expect(message.text).toContain(hostile.org);
      }
      if (template === 'invitation' || template === 'verify-email' || template === 'reset-password') {
        expect(message.text).toContain(hostile.link);
        expect(message.html).toContain(`href="${escapeHtml(hostile.link)}"`);
        expect(message.text).toContain(
          locale === 'de' ? '31. Dezember 2026 um 00:00 UTC' : '31 December 2026 at 00:00 UTC',
        );
      }
    },
  );

  it('speaks the recipient’s language, and English when it is not offered', () => {
    const values = { org: 'Acme', role: 'user', link: 'https://x.test/i', until: '2027-01-01' };
    expect(renderMessage('invitation', localeOf('de-AT'), values).subject).toBe('Einladung zu Acme');
    expect(renderMessage('invitation', localeOf('de-AT'), values).text).toContain('als Mitglied');
    expect(renderMessage('invitation', localeOf('fr'), values).subject).toBe('Invitation to join Acme');
    expect(renderMessage('invitation', localeOf(undefined), values).text).toContain('as a member');
    // A language not offered falls back to the deployment's (NOTIFY_LOCALE), not to English.
    expect(localeOf('fr', 'de')).toBe('de');
    expect(localeOf(undefined, 'de')).toBe('de');
    expect(localeOf('en-US', 'de')).toBe('en');
  });

  it('R18: the verification mail tells someone who did not register not to confirm, and how to take the account', () => {
    const values = { link: 'https://x.test/verify', until: '2027-01-01' };
    for (const locale of ['en', 'de'] as const) {
      const { text, html } = renderMessage('verify-email', locale, values);
      expect(text).toContain(locale === 'en' ? 'do not confirm it' : 'bestätigen Sie nicht');
      expect(text).toContain(locale === 'en' ? 'Forgot password' : 'Passwort vergessen');
      expect(html).toContain(locale === 'en' ? 'do not confirm it' : 'bestätigen Sie nicht');
    }
  });

  it('only web links become links; an unknown role or a missing organization reads as a plain invitation', () => {
    const script = renderMessage('verify-email', 'en', { link: 'javascript:alert(1)', until: 'x' });
    expect(script.html).not.toContain('href');
    expect(script.text).not.toContain('javascript:');
    const bare = renderMessage('invitation', 'en', { role: 'constructor' });
    expect(bare.text).toContain('You are invited to join an organization as a member.');
    expect(renderMessage('invitation', 'de', {}).subject).toBe('Einladung zu einer Organisation');
    expect(renderMessage('invitation', 'de', {}).text).toContain(
      'einer Organisation als Mitglied beizutreten',
    );
  });

  it('an invitation says its organization’s name is its creator’s words, and that it can be ignored', () => {
    const values = {
      org: 'Your mailbox is full, sign in at https://evil.example',
      role: 'user',
      link: 'https://x.test/i',
    };
    for (const locale of ['en', 'de'] as const) {
      const { text, html } = renderMessage('invitation', locale, values);
      for (const part of [text, html]) {
        expect(part).toContain(locale === 'en' ? 'chosen by whoever created that organization' : 'nicht wir');
        expect(part).toContain(locale === 'en' ? 'ignore this message' : 'ignorieren Sie diese Nachricht');
      }
      // A text message, each of whose segments costs money, says only what it must.
      const textMessage = renderTextMessage('invitation', locale, values);
      expect(Object.keys(renderMessage('invitation', locale, values)).sort()).toEqual([
        'html',
        'subject',
        'text',
      ]);
      expect(textMessage).not.toContain(locale === 'en' ? 'ignore this message' : 'ignorieren Sie');
      // It still says, in a few words, that the name is not the platform's.
      expect(textMessage).toContain(
        locale === 'en'
          ? "The name is its creator's, not ours. Unknown? Ignore this."
          : 'nicht wir. Unbekannt? Ignorieren.',
      );
      expect(renderTextMessage('invitation', locale, { ...values, org: undefined })).not.toContain(
        locale === 'en' ? 'not ours' : 'nicht wir',
      );
      expect(textMessage.indexOf(values.org)).toBeLessThan(
        textMessage.indexOf(locale === 'en' ? 'not ours' : 'nicht wir'),
      );
      expect(textMessage).toContain(values.link);
      expect(textMessage).toContain(values.org);
    }
  });

  it('a name that tries to add a header stays on the subject line', () => {
    const message = renderMessage('invitation', 'en', { org: 'Acme\r\nBcc: victim@example.com' });
    expect(message.subject).toBe('Invitation to join Acme Bcc: victim@example.com');
  });
});
