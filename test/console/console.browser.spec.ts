import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jsQR from 'jsqr';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { totpCode } from '../../apps/identity/src/two-factor/totp';
import { GATEWAY, linkFromOutbox, mailsInOutbox, startWithNpm } from './running-system';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against `npm start`: the main story by
 * clicking, an accessibility scan of every screen (axe-core), keyboard use of a dialog, and a phone-width layout.
 * CONSOLE_SCREENSHOTS=<dir> saves a screenshot of each screen (docs/console holds the committed ones).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';
const screenshots = process.env.CONSOLE_SCREENSHOTS;

let system: Awaited<ReturnType<typeof startWithNpm>>;
let browser: Browser;

beforeAll(async () => {
  system = await startWithNpm();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

/** A fresh browser profile; CSP bypassed only so the test can inject axe-core. */
const newPage = async (viewport = { width: 1280, height: 900 }) =>
  (await browser.newContext({ bypassCSP: true, viewport, baseURL: GATEWAY })).newPage();

const seriousViolations: string[] = [];

/** axe-core on the screen as it is: WCAG 2.0/2.1 A and AA; serious and critical findings are collected. */
async function scan(page: Page, screen: string): Promise<void> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    return (await axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
  });
  for (const v of result.violations)
    if (v.impact === 'serious' || v.impact === 'critical')
      seriousViolations.push(
        `${screen}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
  if (screenshots) {
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `${screen}.png`), fullPage: true });
  }
}

/** The text of the QR code in a screenshot, as a phone's camera would read it; null if there is none. */
function readQrCode(screenshot: Buffer): string | null {
  const image = PNG.sync.read(screenshot);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

async function signUpByClicking(page: Page, name: string, email: string): Promise<void> {
  await page.goto('/console/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await page.goto(await linkFromOutbox(system.dataDir, email, '/verify-email'));
  await page.getByRole('button', { name: 'Verify my address' }).click();
  await page.getByText('Your address is verified.').waitFor();
  // The link's secret is not left in the address bar or the tab's history.
  expect(page.url()).not.toContain('token=');
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/console/login');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
}

describe('the console in a browser, against npm start', () => {
  it('the main story by clicking: sign up, invite, join from the mail, make Admin, a team, hand over, the roster then', async () => {
    const owner = await newPage();
    const ada = `ada.${Date.now()}@example.com`;
    const bob = `bob.${Date.now()}@example.com`;

    // Sign up, and verify with the link from the delivered mail.
    await owner.goto('/console/signup');
    await scan(owner, 'sign-up');
    await owner.getByLabel('Name').fill('Ada Lovelace');
    await owner.getByLabel('E-mail').fill(ada);
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.getByRole('button', { name: 'Create account' }).click();
    await owner.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
    await owner.goto(await linkFromOutbox(system.dataDir, ada, '/verify-email'));
    expect(new URL(owner.url()).pathname).toBe('/console/verify-email');
    await scan(owner, 'verify-email');
    await owner.getByRole('button', { name: 'Verify my address' }).click();
    await owner.getByText('Your address is verified.').waitFor();

    await owner.goto('/console/login');
    await scan(owner, 'sign-in');
    await signIn(owner, ada);
    await owner.getByLabel('Name').fill('Acme');
    await owner.getByRole('button', { name: 'Create', exact: true }).click();
    await owner.getByRole('heading', { name: 'Users' }).waitFor();
    const orgPath = new URL(owner.url()).pathname.replace(/\/users$/, '');

    // First load of the users page, from a cold navigation to the table being there.
    const started = Date.now();
    await owner.goto(`${orgPath}/users`);
    await owner.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    console.log(`console: users page interactive ${Date.now() - started} ms after navigation`);
    expect(await owner.getByRole('row', { name: /Ada Lovelace/ }).textContent()).toContain('Owner');
    await scan(owner, 'users');
    // At a phone's width the page does not run off the side (the table scrolls inside its own box).
    await owner.setViewportSize({ width: 375, height: 740 });
    expect(await owner.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await owner.setViewportSize({ width: 1280, height: 900 });

    // Invite by e-mail through the dialog, keyboard only: focus lands in it, Escape closes it and focus comes back.
    const inviteButton = owner.getByRole('button', { name: 'Invite users' });
    await inviteButton.focus();
    await owner.keyboard.press('Enter');
    const dialog = owner.getByRole('dialog', { name: 'Invite users' });
    await dialog.waitFor();
    expect(await owner.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await scan(owner, 'invite-dialog');
    await owner.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await inviteButton.evaluate((button) => button === document.activeElement)).toBe(true);
    await inviteButton.click();
    await dialog.getByLabel('E-mail address').fill(bob);
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
    await dialog.getByText(`Invitation sent to ${bob}.`).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The invitee opens the link from the mail, in their own browser, and registers.
    const invitee = await newPage();
    const bobsLink = await linkFromOutbox(system.dataDir, bob, '/invitations#');
    await invitee.goto(bobsLink);
    await invitee.getByText('Acme', { exact: true }).waitFor();
    // Once read, the token leaves the address bar and its history entry: a shared machine's history keeps no link
    // to register with in the invitee's place. Reloaded, the page asks for the link again.
    expect(new URL(bobsLink).hash).toMatch(/^#token=./);
    expect(invitee.url()).toBe(`${GATEWAY}/console/invitations`);
    const reloaded = await newPage();
    await reloaded.goto(bobsLink);
    await reloaded.getByText('Acme', { exact: true }).waitFor();
    await reloaded.reload();
    await reloaded.getByText('Open the invitation link from your message again.').waitFor();
    await scan(invitee, 'accept-invitation');
    await invitee.getByLabel('Your name').fill('Bob Babbage');
    await invitee.getByLabel('Choose a password').fill(PASSWORD);
    await invitee.getByLabel('I accept the terms of use').check();
    await invitee.getByRole('button', { name: 'Create my account and join' }).click();
    await invitee.getByText('You joined Acme.').waitFor();
    // As a User in no team, Bob sees himself only, and is told why (R13).
    await signIn(invitee, bob);
    await invitee.getByRole('link', { name: 'Acme' }).click();
    await invitee.getByText('You see yourself, your teams and the members of your teams.').waitFor();
    await invitee.getByRole('link', { name: 'Bob Babbage' }).waitFor();
    const bobSees = await invitee.locator('tbody tr td:first-child').allTextContents();
    expect(bobSees).toEqual(['Bob Babbage']);
    await expect(invitee.getByRole('button', { name: 'Invite users' }).count()).resolves.toBe(0);

    // Pending invitations are empty again; the accepted one is listed as such.
    await owner.getByRole('link', { name: 'Invitations' }).click();
    await owner.getByText('No pending invitation.').waitFor();

    // A pending invitation saved for later: changed, sent, then revoked, each from its row.
    const carol = `carol.${Date.now()}@example.com`;
    await owner.getByRole('button', { name: 'Invite users' }).click();
    await dialog.getByLabel('E-mail address').fill(carol);
    await dialog.getByLabel('Send later').check();
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
    await dialog.getByText(`Invitation to ${carol} saved; send it later.`).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = owner.getByRole('row', { name: new RegExp(carol.replace(/[.]/g, '\\.')) });
    await expect(row.textContent()).resolves.toContain('Not yet');
    await scan(owner, 'invitations');
    await row.getByRole('button', { name: /^Edit/ }).click();
    const edit = owner.getByRole('dialog', { name: `Change the invitation of ${carol}` });
    await edit.getByLabel('Role', { exact: true }).selectOption('admin');
    await edit.getByRole('button', { name: 'Save' }).click();
    await owner.getByText(`Invitation of ${carol} changed.`).waitFor();
    // The list is read again after the notice: wait for the row to show the new role.
    await row.getByRole('cell', { name: 'Admin', exact: true }).waitFor();
    await row.getByRole('button', { name: /^Send/ }).click();
    await owner.getByText(`Invitation sent to ${carol}.`).waitFor();
    await linkFromOutbox(system.dataDir, carol, '/invitations#');
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await owner.getByText(`Invitation of ${carol} revoked.`).waitFor();
    await owner.getByText('No pending invitation.').waitFor();

    // The owner makes Bob Admin on his page.
    await owner.getByRole('link', { name: 'Users' }).click();
    await owner.getByRole('link', { name: 'Bob Babbage' }).click();
    await owner.getByRole('heading', { name: /Bob Babbage/ }).waitFor();
    await scan(owner, 'member');
    await owner.getByLabel('Role of Bob Babbage').selectOption('admin');
    await owner.getByRole('button', { name: 'Change role' }).click();
    await owner.getByText('Bob Babbage is now Admin.').waitFor();
    // The form takes whole seconds: an instant a second clear of the change on either side.
    await owner.waitForTimeout(1_100);
    const whileBobWasAdmin = new Date();
    await owner.waitForTimeout(1_100);

    // A team, with Bob as its manager.
    await owner.getByRole('link', { name: 'Teams' }).click();
    await owner.getByLabel('New team').fill('Front desk');
    await owner.getByRole('button', { name: 'Create team' }).click();
    await owner.getByText('Team Front desk created.').waitFor();
    await owner.getByLabel('Add to Front desk').selectOption({ label: 'Bob Babbage' });
    await owner.getByLabel('As').selectOption('manager');
    await owner.getByRole('button', { name: 'Add', exact: true }).click();
    await owner.getByText('Bob Babbage added to Front desk.').waitFor();
    await owner
      .locator('li.team-member', { hasText: 'Bob Babbage' })
      .getByText('Manager', { exact: true })
      .waitFor();
    await scan(owner, 'teams');

    // Ownership to Bob, confirmed in a dialog.
    await owner.getByRole('link', { name: 'Users' }).click();
    await owner.getByRole('link', { name: 'Bob Babbage' }).click();
    await owner.getByRole('button', { name: 'Make Bob Babbage the Owner' }).click();
    const confirm = owner.getByRole('dialog', { name: 'Make Bob Babbage the Owner?' });
    await confirm.waitFor();
    // The confirmation starts on its safe choice: a stray Enter cancels, it does not hand over.
    expect(await owner.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await confirm.getByRole('button', { name: 'Transfer ownership' }).click();
    await owner.getByText('Bob Babbage is now the Owner of Acme.').waitFor();

    // The roster at the instant when Bob was an Admin and Ada the Owner.
    await owner.getByRole('link', { name: 'Audit' }).click();
    await owner.getByRole('heading', { name: 'History' }).waitFor();
    const local = await owner.evaluate((iso) => {
      const at = new Date(iso);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
    }, whileBobWasAdmin.toISOString());
    await owner.getByLabel('Date and time').fill(local);
    await owner.getByRole('button', { name: 'Show roster' }).click();
    const roster = owner.getByRole('table', { name: /^Roster at/ });
    await roster.waitFor();
    const rows = await roster
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent)),
      );
    expect(rows.sort()).toEqual([
      ['Ada Lovelace', 'Owner'],
      ['Bob Babbage', 'Admin'],
    ]);
    await scan(owner, 'audit');
    // The history by kind of change, and one member's history from their page.
    const history = owner.getByRole('table', { name: /^History of/ });
    const whatColumn = () => history.locator('tbody tr td:nth-child(2)').allTextContents();
    const cell = (what: string) => history.getByRole('cell', { name: what, exact: true }).first();
    await owner.getByLabel('Kind of change').selectOption({ label: 'Roles and permissions' });
    await owner.waitForURL(/type=MemberRoleChanged/);
    await cell('Organization created').waitFor({ state: 'detached' });
    await cell('Ownership transferred').waitFor();
    const roleChanges = await whatColumn();
    expect(roleChanges).toContain('Ownership transferred');
    for (const what of roleChanges)
      expect([
        'Member role changed',
        'Permissions granted',
        'Permissions revoked',
        'Ownership transferred',
      ]).toContain(what);
    await owner.getByRole('link', { name: 'Users' }).click();
    await owner.getByRole('link', { name: 'Bob Babbage' }).click();
    await owner.getByRole('link', { name: 'History of Bob Babbage' }).click();
    await owner.getByText('Changes about or by Bob Babbage.').waitFor();
    await cell('Ownership transferred').waitFor();
    expect(await whatColumn()).toEqual(expect.arrayContaining(['Member joined', 'Ownership transferred']));
    expect(await whatColumn()).not.toContain('Organization created');
    // People by name, as they were named then: Ada made Bob an Admin and then the Owner.
    expect(new Set(await history.locator('tbody tr td:nth-child(3)').allTextContents())).toEqual(
      new Set(['Ada Lovelace', 'Bob Babbage']),
    );
    // A span of time: from while Bob was an Admin, his joining is no longer in it; then the same list as a CSV file.
    await owner.getByLabel('From').fill(local);
    await owner.getByRole('button', { name: 'Show this span' }).click();
    await owner.waitForURL(/from=/);
    await cell('Member joined').waitFor({ state: 'detached' });
    await cell('Ownership transferred').waitFor();
    // Both Owners of the transfer by name, not by id.
    const transferDetails = await history
      .locator('tbody tr')
      .filter({ hasText: 'Ownership transferred' })
      .locator('td.details')
      .textContent();
    expect([transferDetails]).toEqual([expect.stringContaining('from: Ada Lovelace')]);
    expect(transferDetails).toContain('to: Bob Babbage');
    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-[0-9a-f-]{36}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = (await readFile(await download.path(), 'utf8')).split('\r\n');
    expect(csv[0]).toBe(
      'revision,at,change,actorId,actorName,actingVia,userId,userName,data,names,correlationId,eventId',
    );
    const changes = csv.slice(1, -1).map((row) => row.split(',')[2]);
    expect(changes).toContain('OwnershipTransferred');
    expect(changes).not.toContain('MemberJoined');
    expect(csv.find((row) => row.includes(',OwnershipTransferred,'))).toContain(',Ada Lovelace,');
    // Nothing yet after now: the span is empty, and said so.
    await owner.getByLabel('From').fill(local.replace(/^\d{4}/, (year) => String(Number(year) + 1)));
    await owner.getByRole('button', { name: 'Show this span' }).click();
    await owner.getByText('No such changes.').waitFor();
    await owner.getByRole('link', { name: 'Show everyone’s' }).click();
    await cell('Organization created').waitFor();

    await owner.getByRole('link', { name: 'Settings' }).click();
    await owner.getByRole('heading', { name: 'Settings of Acme' }).waitFor();
    await scan(owner, 'settings');

    // A refusal reads as words: Ada, an Admin now, may not hand over ownership.
    await owner.getByRole('link', { name: 'Users' }).click();
    await owner.getByRole('link', { name: 'Bob Babbage' }).click();
    await expect(owner.getByRole('button', { name: /the Owner$/ }).count()).resolves.toBe(0);

    expect(seriousViolations).toEqual([]);
  }, 180_000);

  it('two-factor sign-in: set up on the account page, then signing in asks for a code', async () => {
    const page = await newPage();
    const cy = `cy.${Date.now()}@example.com`;
    await signUpByClicking(page, 'Cy Young', cy);
    await signIn(page, cy);
    // Two organizations, and the switcher moves between them on the same screen, leaving nothing of the other.
    for (const name of ['First Co', 'Second Co']) {
      await page.goto('/console/');
      await page.getByLabel('Name').fill(name);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();
    }
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Second Co');
    await page
      .getByRole('combobox', { name: 'Organization', exact: true })
      .selectOption({ label: 'First Co' });
    await page.getByRole('button', { name: 'Switch' }).click();
    await page.getByRole('heading', { name: 'Settings of First Co' }).waitFor();
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('First Co');
    await page.goto('/console/');
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await scan(page, 'organizations');
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
    // The profile form sends the name only when it was changed (a name stored before a rule refusing it may stay).
    const sent: unknown[] = [];
    await page.route('**/v1/me', async (route) => {
      if (route.request().method() === 'PATCH') sent.push(route.request().postDataJSON());
      await route.continue();
    });
    await page.getByRole('combobox', { name: 'Language of messages' }).selectOption('de');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    expect(sent).toEqual([{ locale: 'de', phone: null }]);
    await page.unroute('**/v1/me');
    // A wrong password sets nothing up; the right one does.
    await page.getByLabel('Your password, to set it up').fill('not my password at all');
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await page.getByLabel('Your password, to set it up').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    // Set up as a phone would: the QR code, read off the screen, is the setup link, and its key makes the codes.
    const qr = page.getByRole('img', { name: 'QR code of the two-factor setup link' });
    const scanned = readQrCode(await qr.screenshot());
    const setupLink = await page
      .getByRole('link', { name: 'Open in an authenticator app' })
      .getAttribute('href');
    expect(scanned).toBe(setupLink);
    const secret = new URL(scanned!).searchParams.get('secret')!;
    expect(secret).toBe(await page.locator('code.secret').textContent());
    await page.getByLabel('Code from the app').fill(totpCode(secret, Math.floor(Date.now() / 1000)));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Keep these recovery codes somewhere safe').waitFor();
    const firstCodes = await page.locator('ul.codes li').allTextContents();
    expect(firstCodes.length).toBeGreaterThan(0);
    await scan(page, 'account');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail').fill(cy);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor code' }).waitFor();
    await scan(page, 'two-factor-code');
    await page
      .getByLabel(/Code from your authenticator app/)
      .fill(totpCode(secret, Math.floor(Date.now() / 1000) + 30));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();

    // New recovery codes, for a code of the app: of the steps within the drift, the one not spent yet.
    await page.getByRole('link', { name: 'Your account' }).click();
    const forNewCodes = page.getByLabel('A current code from the app, for new recovery codes');
    const now = Math.floor(Date.now() / 1000);
    let replaced = false;
    for (const offset of [-30, 0, 30]) {
      await forNewCodes.fill(totpCode(secret, now + offset));
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/v1/me/two-factor/recovery-codes')),
        page.getByRole('button', { name: 'New recovery codes' }).click(),
      ]);
      if ((replaced = answer.status() === 200)) break;
    }
    expect(replaced).toBe(true);
    await page.getByText('New recovery codes: the ones before no longer work.').waitFor();
    const newCodes = await page.locator('ul.codes li').allTextContents();
    expect(newCodes).toHaveLength(firstCodes.length);
    expect(newCodes.filter((code) => firstCodes.includes(code))).toEqual([]);
    await scan(page, 'account-new-recovery-codes');
    // One of them passes the second step of a sign-in.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail').fill(cy);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor code' }).waitFor();
    await page.getByLabel(/Code from your authenticator app/).fill(newCodes[0]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your organizations' }).waitFor();

    // A profile that says "off" while it is on (its set-up recorded late): setting up again is refused, and the page
    // turns to the "on" view, where new recovery codes can be had.
    await page.route('**/v1/me', async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const answer = await route.fetch();
      await route.fulfill({ response: answer, json: { ...(await answer.json()), twoFactorEnabled: false } });
    });
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByLabel('Your password, to set it up').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /already on/ })
      .waitFor();
    await page.getByLabel('A current code from the app, for new recovery codes').waitFor();
    await expect(page.getByLabel('Your password, to set it up').count()).resolves.toBe(0);
    await page.unroute('**/v1/me');
    expect(seriousViolations).toEqual([]);
  }, 90_000);

  it('deleting my account names the organizations that go with it (R10), and then I cannot sign in', async () => {
    const page = await newPage();
    const dee = `dee.${Date.now()}@example.com`;
    await signUpByClicking(page, 'Dee Doe', dee);
    await signIn(page, dee);
    await page.getByLabel('Name').fill('Doomed Co');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.goto('/console/account');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    const owned = dialog.getByRole('list', { name: 'Deleted with your account, if you confirm:' });
    await owned.waitFor();
    expect(await owned.getByRole('listitem').allTextContents()).toEqual(['Doomed Co']);
    await scan(page, 'delete-account');
    await dialog.getByLabel('Your password').fill(PASSWORD);
    // Not confirmed: refused in words, and nothing deleted.
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await dialog
      .getByRole('alert')
      .filter({ hasText: /confirm/i })
      .waitFor();
    await dialog.getByLabel('Also delete the organizations I own').check();
    const sent: unknown[] = [];
    await page.route('**/v1/me', async (route) => {
      if (route.request().method() === 'DELETE') sent.push(JSON.parse(route.request().postData() ?? 'null'));
      await route.continue();
    });
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // It named what it showed, so one that became mine meanwhile would be refused, not deleted unseen.
    expect(sent).toEqual([
      { password: PASSWORD, confirmOwnedOrganizations: true, ownedOrganizationIds: [expect.any(String)] },
    ]);
    const login = await fetch(`${GATEWAY}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: dee, password: PASSWORD }),
    });
    expect(login.status).toBe(403);
    expect(seriousViolations).toEqual([]);
  }, 90_000);

  it('R18: my new e-mail address takes effect once I open the link mailed to it; until then I sign in with the old one', async () => {
    const page = await newPage();
    const eli = `eli.${Date.now()}@example.com`;
    const moved = `eli.moved.${Date.now()}@example.com`;
    await signUpByClicking(page, 'Eli Roe', eli);
    await signIn(page, eli);
    await page.goto('/console/account');
    const section = page.getByRole('region', { name: 'E-mail address' });
    await section.getByText(`Your address is ${eli}.`).waitFor();
    await section.getByLabel('New e-mail address').fill(moved);
    await section.getByLabel('Your password, to change it').fill('not my password at all');
    await section.getByRole('button', { name: 'Change e-mail address' }).click();
    await section
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    const ask = async (address: string) => {
      await section.getByLabel('New e-mail address').fill(address);
      await section.getByLabel('Your password, to change it').fill(PASSWORD);
      await section.getByRole('button', { name: 'Change e-mail address' }).click();
    };
    const status = section.getByRole('status');
    await ask(eli);
    await status.filter({ hasText: 'That is your address already' }).waitFor();
    // An address with an account (registered, not yet verified) is refused in words, and the notice goes.
    const taken = `eli.taken.${Date.now()}@example.com`;
    const registered = await fetch(`${GATEWAY}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: taken, password: PASSWORD, name: 'Someone Else' }),
    });
    expect(registered.status).toBe(202);
    await ask(taken);
    await section
      .getByRole('alert')
      .filter({ hasText: /another account/i })
      .waitFor();
    expect(await status.textContent()).toBe('');
    await ask(moved);
    await status.filter({ hasText: `We sent a link to ${moved}.` }).waitFor();
    await scan(page, 'email-change');
    // An address gets five such links an hour: asked a sixth time, the page says none went.
    const { accessToken } = await page.evaluate(
      () =>
        JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
          accessToken?: string;
        },
    );
    for (let i = 0; i < 4; i++) {
      const asked = await fetch(`${GATEWAY}/v1/me/email`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ email: moved, password: PASSWORD }),
      });
      expect([asked.status, ((await asked.json()) as { expiresAt?: string }).expiresAt]).toEqual([
        202,
        expect.any(String),
      ]);
    }
    await ask(moved);
    await status.filter({ hasText: `No link was sent to ${moved}` }).waitFor();
    // The newest of the five is the one that works.
    await mailsInOutbox(system.dataDir, moved, 5);
    const signInWith = async (email: string) =>
      (
        await fetch(`${GATEWAY}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD }),
        })
      ).status;
    expect([await signInWith(eli), await signInWith(moved)]).toEqual([200, 403]);
    // The page says what using the link does: it moves an account here.
    await page.goto(await linkFromOutbox(system.dataDir, moved, '/verify-email'));
    await page.getByText('An account asked to use this address from now on.').waitFor();
    await page.getByRole('button', { name: 'Move my account to this address' }).click();
    await page.getByText('The account now uses this address.').waitFor();
    expect([await signInWith(eli), await signInWith(moved)]).toEqual([403, 200]);
    await page.goto('/console/account');
    await page
      .getByRole('region', { name: 'E-mail address' })
      .getByText(`Your address is ${moved}.`)
      .waitFor();
    expect(seriousViolations).toEqual([]);
  }, 90_000);

  it('signing out ends the session on the server, or says it did not and stays signed in', async () => {
    const page = await newPage();
    const flo = `flo.${Date.now()}@example.com`;
    await signUpByClicking(page, 'Flo Fern', flo);
    await signIn(page, flo);
    const refreshToken = await page.evaluate(
      () =>
        (
          JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
            refreshToken?: string;
          }
        ).refreshToken,
    );
    expect(refreshToken).toEqual(expect.any(String));
    await page.route('**/v1/auth/logout', (route) => route.abort());
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('You are still signed in');
    expect(page.url()).not.toContain('/console/login');
    // A refusal that says nothing of the session (here a 400 from an edge guard) does not count as ended either.
    await page.unroute('**/v1/auth/logout');
    await page.route('**/v1/auth/logout', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/problem+json',
        body: JSON.stringify({ status: 400, code: 'validation-failed', title: 'no' }),
      }),
    );
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForTimeout(200);
    expect(page.url()).not.toContain('/console/login');
    expect(
      await page.evaluate(() => sessionStorage.getItem('identity-platform.console.session')),
    ).not.toBeNull();
    await page.unroute('**/v1/auth/logout');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const refreshed = await fetch(`${GATEWAY}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(refreshed.status).toBe(403);
  }, 60_000);

  it('signing out everywhere from the account page ends the sessions of every other browser too', async () => {
    const here = await newPage();
    const elsewhere = await newPage();
    const gil = `gil.${Date.now()}@example.com`;
    await signUpByClicking(here, 'Gil Grey', gil);
    await signIn(here, gil);
    await signIn(elsewhere, gil);
    const refreshTokenOf = (page: Page) =>
      page.evaluate(
        () =>
          (
            JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
              refreshToken?: string;
            }
          ).refreshToken,
      );
    const [mine, theirs] = [await refreshTokenOf(here), await refreshTokenOf(elsewhere)];
    expect([mine, theirs]).toEqual([expect.any(String), expect.any(String)]);
    await here.goto('/console/account');
    await here.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.getByRole('button', { name: 'Sign in' }).waitFor();
    for (const refreshToken of [mine, theirs]) {
      const refreshed = await fetch(`${GATEWAY}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      expect([refreshed.status, ((await refreshed.json()) as { code?: string }).code]).toEqual([
        403,
        'refresh-token-revoked',
      ]);
    }
  }, 60_000);

  it('the account page lists where I am signed in, and ends the session of another browser, leaving this one', async () => {
    const here = await newPage();
    const elsewhere = await newPage();
    const hed = `hed.${Date.now()}@example.com`;
    await signUpByClicking(here, 'Hed Hill', hed);
    await signIn(here, hed);
    await signIn(elsewhere, hed);
    const theirs = await elsewhere.evaluate(
      () =>
        (
          JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
            refreshToken?: string;
          }
        ).refreshToken,
    );
    await here.goto('/console/account');
    const table = here.getByRole('table', { name: 'Your sessions, the latest used first' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.filter({ hasText: 'This browser' }).count()).resolves.toBe(1);
    await scan(here, 'account-sessions');
    await table.getByRole('button', { name: /^End the session signed in/ }).click();
    await here.getByText('Session ended: that device is signed out.').waitFor();
    // The list is read again after the notice: wait for the ended session to leave it.
    await table.getByRole('button', { name: /^End the session signed in/ }).waitFor({ state: 'detached' });
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('This browser');
    const refreshed = await fetch(`${GATEWAY}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: theirs }),
    });
    expect([refreshed.status, ((await refreshed.json()) as { code?: string }).code]).toEqual([
      403,
      'refresh-token-revoked',
    ]);
    // This browser goes on.
    await here.getByRole('link', { name: 'Your account' }).click();
    await here.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
    expect(seriousViolations).toEqual([]);
  }, 60_000);

  it('a duplicated tab shares the session: renewing it in one tab, or in both at once, signs neither out', async () => {
    const page = await newPage();
    const gil = `gil.${Date.now()}@example.com`;
    await signUpByClicking(page, 'Gil Gray', gil);
    await signIn(page, gil);
    // A duplicated tab (or one opened from the console) starts with a copy of the tab's session.
    const [clone] = await Promise.all([
      page.context().waitForEvent('page'),
      page.evaluate(() => void window.open(location.href)),
    ]);
    await clone.getByRole('heading', { name: 'Your organizations' }).waitFor();
    const stored = (tab: Page) =>
      tab.evaluate(
        () =>
          JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
            refreshToken?: string;
          },
      );
    // An access token the gateway refuses, read from the tab's storage at reload: its next request renews the pair.
    const renewing = async (tab: Page) => {
      await tab.evaluate(() => {
        const key = 'identity-platform.console.session';
        sessionStorage.setItem(
          key,
          JSON.stringify({ ...JSON.parse(sessionStorage.getItem(key)!), accessToken: 'expired' }),
        );
      });
      await tab.reload();
      // Renewed: a new access token stored (signed out, nothing would be, and this would time out).
      await tab.waitForFunction(
        () =>
          (
            JSON.parse(sessionStorage.getItem('identity-platform.console.session') ?? '{}') as {
              accessToken?: string;
            }
          ).accessToken?.startsWith('ey') ?? false,
        undefined,
        { timeout: 10_000 },
      );
      await tab.getByRole('heading', { name: 'Your organizations' }).waitFor();
    };
    // Any page of the origin can listen on the channel the tabs use: it hears that something changed, not the tokens.
    const eavesdropper = await page.context().newPage();
    await eavesdropper.goto('/health/live');
    await eavesdropper.evaluate(() => {
      const heard: unknown[] = [];
      (window as unknown as { heard: unknown[] }).heard = heard;
      new BroadcastChannel('identity-platform.console.session.changes').onmessage = (event) =>
        heard.push(event.data);
    });
    const first = (await stored(page)).refreshToken;
    await renewing(page);
    const renewed = (await stored(page)).refreshToken;
    expect(renewed).not.toBe(first);
    // The clone took the renewed pair, so its own renewal uses the refresh token in force, not the one replaced.
    await clone.waitForFunction(
      (token) => sessionStorage.getItem('identity-platform.console.session')?.includes(token!) ?? false,
      renewed,
    );
    await renewing(clone);
    const heard = await eavesdropper.evaluate(() =>
      JSON.stringify((window as unknown as { heard: unknown[] }).heard, (_key, value: unknown) =>
        value instanceof ArrayBuffer
          ? new TextDecoder('latin1').decode(value)
          : ArrayBuffer.isView(value)
            ? new TextDecoder('latin1').decode(value)
            : value,
      ),
    );
    expect(heard).toContain('replaces');
    for (const token of [first, renewed, (await stored(clone)).refreshToken])
      expect(heard).not.toContain(token);
    // Both at the same moment with the same refresh token: one renewal, answered alike to both.
    await Promise.all([renewing(page), renewing(clone)]);
    const [inPage, inClone] = [await stored(page), await stored(clone)];
    expect(inPage.refreshToken).toBe(inClone.refreshToken);
    for (const tab of [page, clone]) {
      await tab.reload();
      await tab.getByRole('heading', { name: 'Your organizations' }).waitFor();
    }
    // Tabs that cannot tell each other (no BroadcastChannel) renewing at once: the Idempotency-Key alone keeps both.
    const context = await browser.newContext({ bypassCSP: true, baseURL: GATEWAY });
    await context.addInitScript(() => delete (window as { BroadcastChannel?: unknown }).BroadcastChannel);
    const alone = await context.newPage();
    const hal = `hal.${Date.now()}@example.com`;
    await signUpByClicking(alone, 'Hal Hart', hal);
    await signIn(alone, hal);
    const [aloneClone] = await Promise.all([
      context.waitForEvent('page'),
      alone.evaluate(() => void window.open(location.href)),
    ]);
    await aloneClone.getByRole('heading', { name: 'Your organizations' }).waitFor();
    await Promise.all([renewing(alone), renewing(aloneClone)]);
    expect((await stored(alone)).refreshToken).toBe((await stored(aloneClone)).refreshToken);

    for (const token of [inPage.refreshToken, (await stored(alone)).refreshToken]) {
      const stillValid = await fetch(`${GATEWAY}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: token }),
      });
      expect(stillValid.status).toBe(200);
    }
  }, 90_000);

  it('R19: acting in a customer organization through the parent, its settings show no child organizations and no auto-join to turn on', async () => {
    const stamp = Date.now();
    const pat = `pat.${stamp}@example.com`;
    const agent = `agent.${stamp}@example.com`;
    // Pat owns a partner organization, its customer, and the customer's own branch; the agent holds customers.manage
    // in the partner only.
    await callApi('POST', '/v1/auth/register', undefined, { email: pat, password: PASSWORD, name: 'Pat' });
    await callApi('POST', '/v1/auth/verify-email', undefined, {
      token: tokenOf(await linkFromOutbox(system.dataDir, pat, '/verify-email')),
    });
    const owner = (await callApi('POST', '/v1/auth/login', undefined, { email: pat, password: PASSWORD }))
      .accessToken as string;
    const create = async (name: string) =>
      (await callApi('POST', '/v1/orgs', owner, { name })).orgId as string;
    const [partnerId, customerId, branchId] = [
      await create('Partner'),
      await create('Customer'),
      await create('Branch'),
    ];
    await callApi('POST', `/v1/orgs/${partnerId}/children`, owner, { childOrgId: customerId });
    await callApi('POST', `/v1/orgs/${customerId}/children`, owner, { childOrgId: branchId });
    await callApi('POST', `/v1/orgs/${partnerId}/invitations`, owner, {
      email: agent,
      role: 'user',
      permissions: ['members.read', 'customers.manage'],
    });
    await callApi('POST', '/v1/invitations/accept', undefined, {
      token: tokenOf(await linkFromOutbox(system.dataDir, agent, '/invitations#')),
      name: 'Agent',
      password: PASSWORD,
      termsAccepted: true,
    });

    const autoJoinLabel = 'Auto-join: people who verify an address at a claimed domain join as Users';
    // The customer's Owner sees its branch and may turn auto-join on.
    const pats = await newPage();
    await signIn(pats, pat);
    await pats.goto(`/console/orgs/${customerId}/settings`);
    await pats.getByRole('heading', { name: 'Child organizations' }).waitFor();
    await pats.getByRole('button', { name: `Unlink ${branchId}` }).waitFor();
    expect(await pats.getByLabel(autoJoinLabel).isEnabled()).toBe(true);

    const agents = await newPage();
    await signIn(agents, agent);
    await agents.goto(`/console/orgs/${customerId}/settings`);
    await agents.getByRole('heading', { name: 'Settings of Customer' }).waitFor();
    // Acting as Admin through the partner: the settings are theirs to change, but not auto-join on.
    expect(await agents.getByLabel('Name').isEnabled()).toBe(true);
    expect(await agents.getByLabel(autoJoinLabel).isDisabled()).toBe(true);
    await agents
      .getByText('Acting through the parent organization, you can turn it off but not on (R19).')
      .waitFor();
    await expect(agents.getByRole('heading', { name: 'Child organizations' }).count()).resolves.toBe(0);
    await expect(agents.getByText(branchId, { exact: false }).count()).resolves.toBe(0);
    await scan(agents, 'settings-through-parent');
  }, 90_000);

  it('R7: a CSV file imported from the invite dialog is answered row by row, each by its line in the file', async () => {
    const stamp = Date.now();
    const uma = `uma.${stamp}@example.com`;
    await callApi('POST', '/v1/auth/register', undefined, { email: uma, password: PASSWORD, name: 'Uma' });
    await callApi('POST', '/v1/auth/verify-email', undefined, {
      token: tokenOf(await linkFromOutbox(system.dataDir, uma, '/verify-email')),
    });
    const token = (await callApi('POST', '/v1/auth/login', undefined, { email: uma, password: PASSWORD }))
      .accessToken as string;
    const orgId = (await callApi('POST', '/v1/orgs', token, { name: 'Imports' })).orgId as string;

    const page = await newPage();
    await signIn(page, uma);
    await page.goto(`/console/orgs/${orgId}/invitations`);
    await page.getByRole('button', { name: 'Invite users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    await dialog.getByLabel('Import a CSV file').check();
    // As a spreadsheet saves it: its own case for names and roles, a blank row as a line of empty cells.
    const csv = `Email,Role\r\nvi.${stamp}@example.com,Admin\r\n,\r\nnot-an-address,user\r\n`;
    await dialog.getByLabel('CSV file', { exact: true }).setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await dialog.getByLabel('Send the invitations now').uncheck();
    await dialog.getByRole('button', { name: 'Import' }).click();
    const results = dialog.getByRole('table', { name: 'Result per line of the file' });
    await results.waitFor();
    const rows = await results
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // The header is line 1; the blank row, line 3, is no row.
    expect(rows.map(([line, result]) => [line, result?.split(':')[0]])).toEqual([
      ['2', 'Invited'],
      ['4', 'Refused'],
    ]);
    expect(rows[1]![1]).toContain('email');
    await scan(page, 'invite-dialog-import');
    expect(seriousViolations).toEqual([]);
  }, 90_000);

  it('a refusal is shown in plain words, never as a code', async () => {
    const page = await newPage();
    await page.goto('/console/login');
    await page.getByLabel('E-mail').fill('nobody@example.com');
    await page.getByLabel('Password').fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    // The same request straight to the API: its code must not show, its sentence must.
    const problem = (await (
      await fetch(`${GATEWAY}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password here' }),
      })
    ).json()) as { code: string; title: string };
    expect(problem.code).toMatch(/^[a-z-]+$/);
    expect(text).not.toContain(problem.code);
    expect(text.toLowerCase()).toContain(problem.title.toLowerCase().replace(/\.$/, ''));
  }, 60_000);

  it('the API docs render under their Content-Security-Policy: this origin’s scripts only, nothing refused', async () => {
    // Not the other tests' profile: this one keeps the CSP, as a reader's browser does.
    const page = await (await browser.newContext({ baseURL: GATEWAY })).newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto('/docs');
    await page.getByText('/v1/orgs/{orgId}/members/{userId}').first().waitFor();
    // The bundle has run (an operation expands), and nothing was inline or from elsewhere.
    await page.getByText('/v1/auth/login', { exact: true }).first().click();
    await page.getByRole('button', { name: 'Try it out' }).first().waitFor();
    expect(refused).toEqual([]);
  }, 60_000);

  it('at a phone’s width nothing runs off the side of the page', async () => {
    const page = await newPage({ width: 375, height: 740 });
    for (const path of [
      '/console/login',
      '/console/signup',
      '/console/forgot-password',
      '/console/reset-password?token=from-the-mail',
    ]) {
      await page.goto(path);
      await page.getByRole('heading').first().waitFor();
      if (!path.endsWith('login') && !path.endsWith('signup')) await scan(page, path.split(/[/?]/)[2]!);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    expect(seriousViolations).toEqual([]);
  }, 60_000);
});

/**
 * The README's curl walk-through, run as a reader would paste it into bash, against the same `npm start` (its mail
 * in that DATA_DIR's outbox): every answer it prints, each on a line of its own (`curl` is wrapped to end each
 * answer with a newline, as `-w '\n'` would).
 */
describe("the README's curl walk-through, against npm start", () => {
  it('runs as written: Bob joins from his mail, becomes Admin and manages a team; the roster before shows him a User', async () => {
    const readme = await readFile(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('#### The main story with curl'));
    const start = section.indexOf('```bash\n') + '```bash\n'.length;
    const script = section.slice(start, section.indexOf('\n```', start));
    const run = await promisify(execFile)(
      'bash',
      [
        '-c',
        [
          'curl() { command curl "$@"; local status=$?; echo; return $status; }',
          script,
          'echo "ids: $ORG $BOB $TEAM"',
        ].join('\n'),
      ],
      { cwd: join(__dirname, '../..'), env: { ...process.env, DATA_DIR: system.dataDir }, timeout: 60_000 },
    );
    const lines = run.stdout.trim().split('\n');
    expect(run.stderr).toBe('');
    const [orgId, bobId, teamId] = lines.pop()!.replace('ids: ', '').split(' ');
    expect([orgId, bobId, teamId].every((id) => /^[0-9a-f-]{36}$/.test(id ?? ''))).toBe(true);
    const answers = lines
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Every answer is a success: no problem document (`code`) among them.
    expect(answers.filter((answer) => 'code' in answer)).toEqual([]);
    const [rosterNow, rosterBefore] = answers.slice(-2) as { members: { userId: string; role: string }[] }[];
    const roleOfBob = (roster: typeof rosterNow) => roster!.members.find((m) => m.userId === bobId)?.role;
    expect([roleOfBob(rosterNow), roleOfBob(rosterBefore)]).toEqual(['admin', 'user']);
    expect(rosterNow!.members.find((m) => m.userId === bobId)).toMatchObject({
      teams: [{ teamId, role: 'manager' }],
    });
  }, 90_000);
});

/** A JSON request straight to the API; anything but a success fails the test with the problem it answered. */
async function callApi(
  method: string,
  path: string,
  accessToken: string | undefined,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const answer = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The token a mailed link carries in its fragment (`#token=...`). */
function tokenOf(link: string): string {
  return new URLSearchParams(new URL(link).hash.slice(1)).get('token') ?? '';
}
