import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventStoreDBClient } from '@eventstore/db-client';
import { readStreamEvents } from '@app/event-store';
import { readRoleDefaultsHistory, recordRoleDefaults } from '@app/audit';
import { defaultCatalog, roleDefaultsOf, withRoleDefaults } from '@app/permissions';
import { makeTempDir, infraEnv } from '@app/testing';
import { MongoClient } from 'mongodb';
import { READ_MODELS } from '../apps/gateway/src/gateway.tokens';
import { type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { bearer, startPlatform, type Platform, type SignedIn } from './platform.testing';

const run = promisify(execFile);

/** The CLI as an auditor runs it: its own process, the event store's connection string, nothing else of ours. */
async function audit(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../scripts/audit/main.ts'), ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the auditor CLI against the event store of a running system', () => {
  let platform: Platform;
  let store: { EVENTSTORE_CONNECTION_STRING: string };
  let ada: SignedIn;
  let bob: SignedIn;
  let orgId: string;
  const instants: string[] = [];
  const pause = () => new Promise((r) => setTimeout(r, 30));
  const mark = async () => {
    await pause();
    instants.push(new Date().toISOString());
    await pause();
  };

  beforeAll(async () => {
    platform = await startPlatform();
    store = { EVENTSTORE_CONNECTION_STRING: platform.store.connectionString };
    ada = await platform.signUp('Ada');
    orgId = await platform.createOrg(ada, 'Audited');
    await mark();
    bob = await platform.join(ada, orgId, 'Bob');
    await mark();
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ grant: ['members.read', 'members.invite'] })
      .expect(200);
    const team = await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(ada))
      .send({ name: 'Night shift' });
    expect(team.status).toBe(201);
    await platform.http
      .put(`/v1/orgs/${orgId}/teams/${team.body.teamId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'manager' })
      .expect((r) => expect([200, 202]).toContain(r.status));
    await mark();
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await mark();
    await platform.http
      .post(`/v1/orgs/${orgId}/ownership-transfer`)
      .set(bearer(ada))
      .send({ newOwnerId: bob.userId })
      .expect(200);
    await mark();
  }, 180_000);
  afterAll(() => platform?.close());

  it('history: every change oldest first, with time, actor, correlation and command ids, in jsonl, csv and a table', async () => {
    const jsonl = await audit(['history', '--org', orgId, '--format', 'jsonl'], store);
    expect(jsonl.code).toBe(0);
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => r.change)).toEqual([
      'OrganizationCreated',
      'InvitationCreated',
      'InvitationAccepted',
      'MemberJoined',
      'PermissionsGranted',
      'TeamCreated',
      'TeamMemberAdded',
      'MemberRoleChanged',
      'OwnershipTransferred',
    ]);
    expect(rows.map((r) => Number(r.revision))).toEqual(
      [...rows.map((r) => Number(r.revision))].sort((a, b) => a - b),
    );
    expect(rows.find((r) => r.change === 'PermissionsGranted')).toMatchObject({
      user: bob.userId,
      detail: 'granted members.invite members.read',
      actor: ada.userId,
      correlationId: expect.any(String),
      commandId: expect.any(String),
    });
    const mine = await audit(
      ['history', '--org', orgId, '--user', bob.userId, '--from', instants[1]!, '--format', 'csv'],
      store,
    );
    const lines = mine.stdout.trim().split('\n');
    expect(lines[0]).toBe('revision,at,change,user,detail,actor,actingVia,correlationId,commandId');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual([
      'PermissionsGranted',
      'TeamMemberAdded',
      'MemberRoleChanged',
      'OwnershipTransferred',
    ]);
    const today = instants[3]!.slice(0, 10);
    const justAfterFirst = `${rows[0]!.at!.slice(0, -1)}001Z`;
    // The API's audit list filters alike: of the events it shows (every event), those `history` has rows for.
    for (const [args, query] of [
      [['--user', bob.userId, '--from', instants[1]!], `userId=${bob.userId}&from=${instants[1]}`],
      [['--user', ada.userId], `userId=${ada.userId}`],
      [['--from', instants[2]!, '--to', instants[3]!], `from=${instants[2]}&to=${instants[3]}`],
      // A plain day as both bounds is that whole day (as --to, through its last millisecond).
      [['--from', today, '--to', today], `from=${today}T00:00:00Z&to=${today}T23:59:59.999Z`],
      // A microsecond after an event's millisecond leaves that event out, in both.
      [['--from', justAfterFirst], `from=${justAfterFirst}`],
    ] as const) {
      const cli = await audit(['history', '--org', orgId, ...args, '--format', 'jsonl'], store);
      const api = await platform.http
        .get(`/v1/orgs/${orgId}/audit/events?${query}&limit=200`)
        .set(bearer(ada))
        .expect(200);
      const shown = new Set(rows.map((r) => Number(r.revision)));
      expect([
        query,
        (api.body.items as { revision: number }[]).map((e) => e.revision).filter((r) => shown.has(r)),
      ]).toEqual([
        query,
        cli.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { revision: number }).revision),
      ]);
      expect([query, cli.stdout.trim()]).not.toEqual([query, '']);
    }
    const table = await audit(['history', '--org', orgId], store);
    expect(table.stdout.split('\n')[0]).toMatch(/^revision\s+at\s+change\s+user\s+detail\s+actor/);
    expect(table.stderr).toBe(''); // no progress when not on a terminal
  });

  it('roster --at agrees with the gateway’s /audit/roster at every instant of the history (R21)', async () => {
    for (const at of instants) {
      const cli = await audit(['roster', '--org', orgId, '--at', at, '--format', 'jsonl'], store);
      expect(cli.code).toBe(0);
      const fromCli = cli.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as {
              userId: string;
              role: string;
              permissions: string;
              granted: string;
              teams: string;
            },
        );
      const gateway = await platform.http
        .get(`/v1/orgs/${orgId}/audit/roster?at=${encodeURIComponent(at)}`)
        .set(bearer(bob))
        .expect(200);
      const members = gateway.body.members as {
        userId: string;
        role: string;
        permissions: string[];
        granted: string[];
        teams: { name: string; role: string }[];
      }[];
      expect(fromCli).toEqual(
        [...members]
          .sort((a, b) => a.userId.localeCompare(b.userId))
          .map((m) => ({
            userId: m.userId,
            role: m.role,
            permissions: [...m.permissions].sort().join(' '),
            granted: m.granted.join(' '),
            teams: m.teams.map((t) => `${t.name} (${t.role})`).join(', '),
          })),
      );
    }
    const last = await audit(['roster', '--org', orgId, '--at', instants[4]!, '--format', 'jsonl'], store);
    expect(last.stdout).toContain(`"userId":"${bob.userId}","role":"owner"`);
    // Bob's grants are told apart from what his role gave him: granted while a User, kept as Admin and Owner.
    const granted = await audit(['roster', '--org', orgId, '--at', instants[2]!, '--format', 'jsonl'], store);
    expect(granted.stdout).toContain(`"userId":"${bob.userId}","role":"user",`);
    expect(granted.stdout).toContain('"granted":"members.invite members.read"');
    expect(last.stdout).toContain('"granted":"members.invite members.read"');
    expect(granted.stderr).toBe(`roster of organization ${orgId} at ${instants[2]}\n`);
  });

  it('why: the chain of events that gives a permission, now or at an instant, or "not held"', async () => {
    const now = await audit(
      ['why', '--org', orgId, '--user', bob.userId, '--permission', 'members.invite'],
      store,
    );
    expect(now.code).toBe(0);
    expect(now.stdout).toContain(`${bob.userId} holds members.invite in ${orgId} now, because:`);
    expect(now.stdout).toMatch(new RegExp(`InvitationCreated {2}by ${ada.userId}: invitation \\S+ as user`));
    expect(now.stdout).toMatch(new RegExp(`InvitationAccepted {2}by ${bob.userId}: accepted invitation`));
    expect(now.stdout).toMatch(/MemberJoined {2}by .*: joined via invitation as user/);
    expect(now.stdout).toMatch(/OwnershipTransferred {2}by .*: ownership transferred to them: Owner/);
    expect(now.stdout).toContain('role owner holds members.invite by default');
    const granted = await audit(
      ['why', '--org', orgId, '--user', bob.userId, '--permission', 'members.invite', '--at', instants[2]!],
      store,
    );
    expect(granted.stdout).toContain(`holds members.invite in ${orgId} at ${instants[2]}`);
    expect(granted.stdout).toMatch(/PermissionsGranted {2}by .*: granted members.invite/);
    const before = await audit(
      ['why', '--org', orgId, '--user', bob.userId, '--permission', 'members.invite', '--at', instants[1]!],
      store,
    );
    expect(before.stdout).toMatch(
      /^not held: .* role user does not hold it by default and it is not granted/,
    );
  });

  it('R21: Admins given a permission by a catalog change hold it from when membership adopted it, not before: CLI and gateway alike', async () => {
    const owner = await platform.signUp('Olga');
    const org = await platform.createOrg(owner, 'Recatalogued');
    const admin = await platform.join(owner, org, 'Carl');
    await platform.http
      .patch(`/v1/orgs/${org}/members/${admin.userId}`)
      .set(bearer(owner))
      .send({ role: 'admin' })
      .expect(200);
    const builtIn = roleDefaultsOf(defaultCatalog);
    expect(builtIn.admin).not.toContain('org.billing');
    // Carl's current role interval as a gateway before this release projected it: without the grants.
    const models = platform.gateway.get<ReadModels>(READ_MODELS);
    const { items } = await models.roleIntervals.find(
      { where: { orgId: org, userId: admin.userId } },
      { limit: 10 },
    );
    const open = items.find((interval) => !interval.validTo)!;
    expect(open.granted).toEqual([]);
    const { granted: _kept, ...projectedBefore } = open;
    expect(
      await models.roleIntervals.upsertIfNewer({ ...projectedBefore, revision: open.revision + 1 }),
    ).toBe(true);
    const client = EventStoreDBClient.connectionString(platform.store.connectionString);
    try {
      // Membership recorded the defaults it decides with when it started.
      expect((await readRoleDefaultsHistory(client)).map((adopted) => adopted.defaults)).toEqual([builtIn]);
      await pause();
      const before = new Date().toISOString();
      await pause();
      // Membership restarted with a catalog where Admins hold org.billing by default, and an operator permission
      // (PERMISSIONS_FILE) they hold too, which the auditor's machine does not have.
      const changed = {
        ...builtIn,
        owner: [...builtIn.owner, 'environments.read'].sort(),
        admin: [...builtIn.admin, 'environments.read', 'org.billing'].sort(),
      };
      expect(await recordRoleDefaults(client, withRoleDefaults(defaultCatalog, changed))).toBe(true);
      expect(await recordRoleDefaults(client, withRoleDefaults(defaultCatalog, changed))).toBe(false);
      await pause();
      const after = new Date().toISOString();

      const adminHolds = async (at: string) => {
        const gateway = await platform.http
          .get(`/v1/orgs/${org}/audit/roster?at=${encodeURIComponent(at)}`)
          .set(bearer(owner))
          .expect(200);
        const fromGateway = (gateway.body.members as { userId: string; permissions: string[] }[]).find(
          (m) => m.userId === admin.userId,
        )!.permissions;
        const cli = await audit(['roster', '--org', org, '--at', at, '--format', 'jsonl'], store);
        const fromCli = cli.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { userId: string; permissions: string })
          .find((m) => m.userId === admin.userId)!.permissions;
        expect(fromCli).toBe([...fromGateway].sort().join(' '));
        return fromGateway;
      };
      expect(await adminHolds(before)).toEqual(builtIn.admin);
      expect(await adminHolds(after)).toEqual(changed.admin);
      const why = (permission: string, at: string) =>
        audit(['why', '--org', org, '--user', admin.userId, '--permission', permission, '--at', at], store);
      expect((await why('org.billing', after)).stdout).toContain(
        'role admin holds org.billing by default (role defaults recorded ',
      );
      expect((await why('org.billing', before)).stdout).toMatch(
        /^not held: .* role admin does not hold it by default/,
      );
      const operatorPermission = await why('environments.read', after);
      expect([operatorPermission.code, operatorPermission.stderr]).toEqual([0, '']);
      expect(operatorPermission.stdout).toContain('role admin holds environments.read by default');
    } finally {
      await recordRoleDefaults(client, defaultCatalog);
      await client.dispose();
    }
  });

  it('export --sign and verify: proven only with the trusted key; a changed event or a cut tail is named, with exit 1', async () => {
    const dir = await makeTempDir('audit-bundle');
    const bundle = join(dir, 'org.jsonl');
    const exported = await audit(['export', '--org', orgId, '--out', bundle, '--sign'], store);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(
      /\d+ events, \d+ signed checkpoint\(s\), signed up to revision \d+, sealed; key [0-9a-f]{32}/,
    );
    const unproven = await audit(['verify', bundle]);
    expect(unproven.code).toBe(3);
    expect(unproven.stdout).toMatch(
      /organization-\S+: \d+ events, chained from revision 0, signed up to revision \d+\n {2}checkpoints 0\.\.\d+ .*\npermissions-role-defaults: \d+ events, chained from revision 0, signed up to revision \d+\n {2}checkpoints \d+\.\.\d+ .*\nintact, but NOT proven: the signer is not verified \(pass --public-key\)/,
    );
    const key = await audit(['public-key'], store);
    expect(key.stderr).toMatch(/^key id [0-9a-f]{32}\n$/);
    const trusted = join(dir, 'key.pem');
    // What `public-key > key.pem` writes.
    await writeFile(trusted, key.stdout);
    const proven = await audit(['verify', bundle, '--public-key', trusted]);
    expect(proven.code).toBe(0);
    expect(proven.stdout).toContain('(the trusted key)');
    expect(proven.stdout).toContain('intact, sealed, signed by the trusted key: proven');
    // A key file that is no key is named as the fault, not the bundle; one bundle is checked at a time.
    const notAKey = join(dir, 'not-a-key.pem');
    await writeFile(notAKey, 'not a key');
    const badKey = await audit(['verify', bundle, '--public-key', notAKey]);
    expect([badKey.code, badKey.stdout]).toEqual([2, '']);
    expect(badKey.stderr).toMatch(new RegExp(`^audit: ${notAKey}: not a public key to trust`));
    const two = await audit(['verify', bundle, bundle, '--public-key', trusted]);
    expect([two.code, two.stdout]).toEqual([2, '']);
    expect(two.stderr).toContain('verify checks one bundle at a time');
    // Which checkpoints it holds, so that two exports can be compared.
    expect(proven.stdout).toMatch(
      /\n {2}checkpoints 0\.\.\d+ \(last digest [0-9a-f]{64}\), from the first checkpoint ever signed\n/,
    );

    // Its history offline: the rows the store gives, filtered alike, and an exit code that says what it proves.
    const fromStore = await audit(['history', '--org', orgId, '--format', 'jsonl'], store);
    const offline = await audit([
      'history',
      '--bundle',
      bundle,
      '--public-key',
      trusted,
      '--format',
      'jsonl',
    ]);
    expect([offline.code, offline.stdout]).toEqual([0, fromStore.stdout]);
    expect(offline.stdout.trim().split('\n').length).toBeGreaterThan(5);
    expect(offline.stderr).toContain('intact, sealed, signed by the trusted key: proven');
    const bobsOffline = await audit(['history', '--bundle', bundle, '--user', bob.userId, '--format', 'csv']);
    expect([bobsOffline.code, bobsOffline.stdout]).toEqual([
      3,
      (await audit(['history', '--org', orgId, '--user', bob.userId, '--format', 'csv'], store)).stdout,
    ]);
    expect(bobsOffline.stderr).toContain('intact, but NOT proven: the signer is not verified');
    for (const args of [
      ['history', '--bundle', bundle, '--org', 'another-org'],
      ['history', '--bundle', join(dir, 'missing.jsonl')],
      ['history', '--bundle', bundle, '--from', 'yesterday'],
      ['roster', '--bundle', bundle, '--org', 'another-org', '--at', '2026-01-01T00:00:00Z'],
      ['diff', '--bundle', bundle],
    ]) {
      const refused = await audit(args);
      expect([args, refused.code, refused.stdout]).toEqual([args, 2, '']);
    }
    // The roster and why at every instant, offline, as the event store answers them: the bundle holds the role
    // defaults recorded (R21), chained and signed like the organization's stream.
    expect(exported.stdout).toMatch(/; [1-9]\d* role-defaults record\(s\)$/m);
    const rosterOnline = (at: string) =>
      audit(['roster', '--org', orgId, '--at', at, '--format', 'jsonl'], store);
    const rosterOffline = (at: string) =>
      audit(['roster', '--bundle', bundle, '--public-key', trusted, '--at', at, '--format', 'jsonl']);
    for (const at of instants) {
      const offlineRoster = await rosterOffline(at);
      expect([at, offlineRoster.code, offlineRoster.stdout]).toEqual([
        at,
        0,
        (await rosterOnline(at)).stdout,
      ]);
    }
    // While the catalog recorded by the test above was in force (Admins holding org.billing and an operator
    // permission the auditor's own catalog lacks): Ada, an Admin since the transfer, held them.
    const recorded = (await readFile(bundle, 'utf8'))
      .split('\n')
      .filter((l) => l.includes('"type":"RoleDefaultsAdopted"'))
      .map((l) => (JSON.parse(l) as { data: { admin: string[]; at: string } }).data);
    const widened = recorded.find((d) => d.admin.includes('environments.read'))!;
    const whileWidened = await rosterOffline(widened.at);
    expect(whileWidened.stdout).toBe((await rosterOnline(widened.at)).stdout);
    expect(whileWidened.stdout).toMatch(
      new RegExp(
        `"userId":"${ada.userId}","role":"admin","permissions":"[^"]*environments\\.read[^"]*org\\.billing`,
      ),
    );
    // A bundle knows nothing after its export: `why` without --at, and a later instant, answer as of the export.
    const exportedAt = (
      JSON.parse((await readFile(bundle, 'utf8')).split('\n')[0]!) as { exportedAt: string }
    ).exportedAt;
    const asOfExport = await audit([
      'why',
      '--bundle',
      bundle,
      '--user',
      bob.userId,
      '--permission',
      'members.invite',
    ]);
    expect(asOfExport.stdout).toContain(`holds members.invite in ${orgId} at ${exportedAt}`);
    const later = await rosterOffline('2999-01-01T00:00:00Z');
    expect([later.code, later.stdout]).toEqual([0, (await rosterOnline(exportedAt)).stdout]);
    expect(later.stderr).toContain(
      `answered as of the export, ${exportedAt}: this bundle holds nothing later`,
    );
    const whyArgs = ['why', '--user', bob.userId, '--permission', 'members.invite', '--at', instants[2]!];
    const whyOnline = await audit([...whyArgs, '--org', orgId], store);
    const whyOffline = await audit([...whyArgs, '--bundle', bundle, '--public-key', trusted]);
    expect([whyOffline.code, whyOffline.stdout]).toEqual([0, whyOnline.stdout]);
    expect(whyOffline.stdout).toContain(`${bob.userId} holds members.invite`);

    // Without --sign an auditor's export is not sealed: nothing found altered, but a cut tail could not show.
    const unsealed = join(dir, 'unsealed.jsonl');
    expect((await audit(['export', '--org', orgId, '--out', unsealed], store)).stdout).toContain(
      'not sealed',
    );
    const notSealed = await audit(['verify', unsealed, '--public-key', trusted]);
    expect(notSealed.code).toBe(3);
    expect(notSealed.stdout).toContain('intact, but NOT proven: the bundle is not sealed');

    const lines = (await readFile(bundle, 'utf8')).split('\n');
    const cut = join(dir, 'cut.jsonl');
    const lastEvent = lines.map((l) => l.includes('"kind":"event"')).lastIndexOf(true);
    await writeFile(cut, [...lines.slice(0, lastEvent), ...lines.slice(lastEvent + 1)].join('\n'));
    const shortened = await audit(['verify', cut, '--public-key', trusted]);
    expect(shortened.code).toBe(1);
    expect(shortened.stdout).toMatch(/TAMPERED at revision \d+: .*the bundle ends before it|truncated/);

    const granted = lines.findIndex((l) => l.includes('"type":"PermissionsGranted"'));
    lines[granted] = lines[granted]!.replace('"members.invite"', '"org.billing"');
    await writeFile(bundle, lines.join('\n'));
    const tampered = await audit(['verify', bundle, '--public-key', trusted]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(
      `TAMPERED at revision ${JSON.parse(lines[granted]!).revision}: the event does not match its hash`,
    );
    // Nothing of a tampered bundle is shown, not even with the altered event left out by a filter.
    for (const args of [['history'], ['history', '--user', ada.userId], ['roster', '--at', instants[4]!]]) {
      const refusedHistory = await audit([...args, '--bundle', bundle, '--public-key', trusted]);
      expect([refusedHistory.code, refusedHistory.stdout]).toEqual([1, '']);
      expect(refusedHistory.stderr).toContain('is NOT intact');
    }
    // Bad options are bad input (exit 2) whatever the bundle holds, as they are before the event store is reached.
    for (const args of [
      ['history', '--from', 'yesterday'],
      ['roster', '--at', '2026-02-30'],
      ['roster'],
      ['why', '--user', ada.userId],
      ['history', '--format', 'xml'],
    ]) {
      const badInput = await audit([...args, '--bundle', bundle, '--public-key', trusted]);
      expect([args, badInput.code, badInput.stdout]).toEqual([args, 2, '']);
    }
    // Nor one whose recorded role defaults were changed (an Admin given org.billing by default, say).
    const restored = (await readFile(unsealed, 'utf8')).split('\n');
    const defaultsLine = restored.findIndex((l) => l.includes('"type":"RoleDefaultsAdopted"'));
    expect(defaultsLine).toBeGreaterThan(0);
    restored[defaultsLine] = restored[defaultsLine]!.replace('"admin":["', '"admin":["org.billing","');
    const recatalogued = join(dir, 'recatalogued.jsonl');
    await writeFile(recatalogued, restored.join('\n'));
    const recataloguedVerdict = await audit(['verify', recatalogued, '--public-key', trusted]);
    expect(recataloguedVerdict.stdout).toMatch(/permissions-role-defaults: .*\n {2}TAMPERED at revision 0/);
    const refusedRoster = await audit(['roster', '--bundle', recatalogued, '--at', instants[4]!]);
    expect([refusedRoster.code, refusedRoster.stdout]).toEqual([1, '']);
    // A bundle without recorded role defaults (as an earlier release exported): its history reads, a roster from it
    // is refused rather than answered with the auditor's own catalog.
    const unsealedHeader = JSON.parse(restored[0]!) as { streams: string[] };
    const earlier = [
      JSON.stringify({
        ...unsealedHeader,
        streams: unsealedHeader.streams.filter((s) => s !== 'permissions-role-defaults'),
      }),
      ...restored.slice(1).filter((l) => !l.includes('"stream":"permissions-role-defaults"')),
    ];
    // An organization id that would draw on the terminal (the stream renamed alike, checkpoints dropped: intact, not
    // proven) is no bundle an export writes: nothing is read from it.
    const drawn = `${orgId}\u001b[8m`;
    const drawing = join(dir, 'drawing.jsonl');
    const renamed = (stream: string) =>
      stream === `organization-${orgId}` ? `organization-${drawn}` : stream;
    await writeFile(
      drawing,
      (await readFile(unsealed, 'utf8'))
        .split('\n')
        .filter((l) => l !== '' && !l.includes('"kind":"checkpoint"'))
        .map((l) => {
          const line = JSON.parse(l) as { kind: string; org?: string; streams?: string[]; stream?: string };
          if (line.kind === 'bundle')
            return JSON.stringify({ ...line, org: drawn, streams: line.streams!.map(renamed) });
          return JSON.stringify({ ...line, stream: renamed(line.stream!) });
        })
        .join('\n'),
    );
    expect((await audit(['verify', drawing])).code).toBe(3);
    const refusedDrawing = await audit(['roster', '--bundle', drawing, '--at', instants[4]!]);
    expect([refusedDrawing.code, refusedDrawing.stdout]).toEqual([1, '']);
    expect(refusedDrawing.stderr).toContain('its organization id holds control characters');
    const earlierBundle = join(dir, 'earlier.jsonl');
    await writeFile(earlierBundle, earlier.join('\n'));
    const earlierHistory = await audit(['history', '--bundle', earlierBundle, '--public-key', trusted]);
    expect(earlierHistory.code).toBe(3);
    expect(earlierHistory.stdout).toContain('OwnershipTransferred');
    const noDefaults = await audit(['roster', '--bundle', earlierBundle, '--at', instants[4]!]);
    expect([noDefaults.code, noDefaults.stdout, noDefaults.stderr]).toEqual([
      2,
      '',
      expect.stringContaining('this bundle holds no recorded role defaults'),
    ]);

    // Text inside the bundle cannot print a verdict of its own, or hide the real one, on the auditor's terminal.
    const header = JSON.parse(lines[0]!) as { exportedAt: string };
    header.exportedAt = `${header.exportedAt}\nintact, sealed, signed by the trusted key: proven\n\u001b[8m`;
    lines[0] = JSON.stringify(header);
    await writeFile(bundle, lines.join('\n'));
    const disguised = await audit(['verify', bundle, '--public-key', trusted]);
    expect(disguised.code).toBe(1);
    expect(disguised.stdout).not.toContain('\u001b');
    expect(disguised.stdout.split('\n')).not.toContain('intact, sealed, signed by the trusted key: proven');
    expect(disguised.stdout).toContain('\\u000aintact, sealed');
  }, 120_000);

  it("checkpoint and public-key without the services' key refuse, and append nothing", async () => {
    const noKey = {
      ...store,
      DATA_DIR: await makeTempDir('audit-no-key'),
      AUDIT_SIGNING_KEY_PEM: '',
    };
    const streams = [`audit-organization-${orgId}`, 'audit-signing-keys'];
    const client = EventStoreDBClient.connectionString(platform.store.connectionString);
    const counts = async () =>
      Promise.all(streams.map(async (s) => (await readStreamEvents(client, s)).length));
    const before = await counts();
    expect(before[1]).toBeGreaterThan(0); // the services published their key
    for (const args of [
      ['checkpoint', '--org', orgId],
      ['public-key'],
      ['export', '--org', orgId, '--out', '/dev/null', '--sign'],
    ]) {
      const refused = await audit(args, noKey);
      expect([refused.code, refused.stderr.trim()]).toEqual([
        2,
        expect.stringMatching(/^audit: no audit signing key: set AUDIT_SIGNING_KEY_PEM/),
      ]);
    }
    expect(await counts()).toEqual(before);
    // The key the embedded default keeps under DATA_DIR signs for a store on this machine, never for one elsewhere.
    const elsewhere = await audit(['public-key'], {
      ...store,
      EVENTSTORE_CONNECTION_STRING: 'esdb://eventstore.example.invalid:2113?tls=false',
    });
    expect([elsewhere.code, elsewhere.stderr.trim()]).toEqual([
      2,
      expect.stringMatching(
        /^audit: no audit signing key: set AUDIT_SIGNING_KEY_PEM \(the key kept under DATA_DIR/,
      ),
    ]);
    // A key the store has not published, where it has published the services' (a developer's key, and a
    // port-forward that makes a remote store look like this machine's), signs nothing unless asked to (--new-key).
    const otherKey = {
      ...store,
      AUDIT_SIGNING_KEY_PEM: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    };
    for (const args of [
      ['checkpoint', '--org', orgId],
      ['export', '--org', orgId, '--out', '/dev/null', '--sign'],
    ]) {
      const foreign = await audit(args, otherKey);
      expect([foreign.code, foreign.stderr.trim()]).toEqual([
        1,
        expect.stringMatching(
          /^audit: refused: this event store has published audit key\(s\) [0-9a-f]{32}.*--new-key$/,
        ),
      ]);
    }
    expect(await counts()).toEqual(before);
    await client.dispose();
    const signed = await audit(['checkpoint', '--org', orgId], store);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(
      /is already signed at revision \d+|signed organization-\S+ at revision \d+/,
    );
  });

  it('bad input: an unknown organization, a bad date, a missing bundle, an unreachable store, each one line', async () => {
    const unknown = await audit(['history', '--org', 'no-such-org'], store);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([
      2,
      'audit: organization no-such-org is not in the event store',
    ]);
    const date = await audit(['roster', '--org', orgId, '--at', 'yesterday'], store);
    expect([date.code, date.stderr.trim()]).toEqual([
      2,
      'audit: --at: "yesterday" is not a date, or a date and time with seconds and Z or an offset (e.g. 2026-11-30, 2026-11-30T12:00:00Z or 2026-11-30T13:00:00+01:00)',
    ]);
    const local = await audit(['roster', '--org', orgId, '--at', '2026-11-30T12:00:00'], store);
    expect([local.code, local.stderr]).toEqual([
      2,
      expect.stringContaining('is not a date, or a date and time with seconds and Z'),
    ]);
    const noSuchDay = await audit(['roster', '--org', orgId, '--at', '2026-02-30'], store);
    expect([noSuchDay.code, noSuchDay.stderr]).toEqual([
      2,
      expect.stringContaining('is not a day of the calendar'),
    ]);
    const backwards = await audit(
      ['history', '--org', orgId, '--from', '2026-11-30T12:00:00Z', '--to', '2026-11-29'],
      store,
    );
    expect([backwards.code, backwards.stdout, backwards.stderr.trim()]).toEqual([
      2,
      '',
      'audit: --from (2026-11-30T12:00:00Z) is after --to (2026-11-29): no instant is in between',
    ]);
    const help = await audit(['--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('usage: npm run audit')]);
    expect((await audit([])).code).toBe(2);
    const missing = await audit(['verify', '/nonexistent/bundle.jsonl']);
    expect([missing.code, missing.stderr.trim()]).toEqual([
      2,
      'audit: /nonexistent/bundle.jsonl: cannot read the bundle (no such file)',
    ]);
    const corrupt = join(await makeTempDir('audit-corrupt'), 'b.jsonl');
    await writeFile(corrupt, '{"kind":"bundle"\n');
    expect((await audit(['verify', corrupt])).stderr.trim()).toBe(`audit: ${corrupt}: line 1 is not JSON`);
    const noKey = await audit(['verify', corrupt, '--public-key', '/nonexistent/audit.pub']);
    expect([noKey.code, noKey.stderr.trim()]).toEqual([
      2,
      'audit: /nonexistent/audit.pub: cannot read the public key (no such file; an operator writes it with `public-key > <file>`)',
    ]);
    const down = await audit(['history', '--org', orgId], {
      EVENTSTORE_CONNECTION_STRING: 'esdb://auditor:s3c@ret@127.0.0.1:1?tls=false',
    });
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain(
      'audit: cannot reach the event store at esdb://auditor:***@127.0.0.1:1?tls=false',
    );
    expect(down.stderr).not.toContain('ret@');
    expect(down.stderr).not.toContain('s3c');
  });

  const withMongo = infraEnv.mongoUrl ? it : it.skip;
  withMongo(
    'diff: the read models agree with a replay of the event store, and a changed document is reported',
    async () => {
      const env = { ...store, MONGO_URL: infraEnv.mongoUrl! };
      // The read models may still be projecting the last events: asked again until they agree, for a while.
      let same = await audit(['diff', '--org', orgId], env);
      for (const deadline = Date.now() + 15_000; same.code !== 0 && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 500));
        same = await audit(['diff', '--org', orgId], env);
      }
      expect([same.code, same.stdout, same.stderr.trim()]).toEqual([
        0,
        '',
        '1 organization(s) compared: 0 divergence(s)',
      ]);
      // An auditor's machine with a catalog of its own (an operator permission Owners and Admins hold) replays other
      // permissions than the gateway projected: derived from role and grants, they are no divergence.
      const catalogFile = join(await makeTempDir('audit-catalog'), 'permissions.json');
      await writeFile(catalogFile, JSON.stringify({ 'environments.read': { admin: true } }));
      const otherCatalog = await audit(['diff', '--org', orgId], { ...env, PERMISSIONS_FILE: catalogFile });
      expect([otherCatalog.code, otherCatalog.stdout]).toEqual([0, '']);
      const mongo = await MongoClient.connect(infraEnv.mongoUrl!);
      try {
        // The read store keeps each collection under a physical name (rebuilds swap them): change it wherever it is.
        const db = mongo.db('gateway');
        const names = (await db.listCollections().toArray())
          .map((c) => c.name)
          .filter((n) => n.startsWith('members'));
        let changed = 0;
        for (const name of names)
          changed += (
            await db.collection(name).updateOne({ orgId, userId: bob.userId }, { $set: { role: 'user' } })
          ).modifiedCount;
        expect(changed).toBeGreaterThan(0);
      } finally {
        await mongo.close();
      }
      const differs = await audit(['diff', '--org', orgId], env);
      expect(differs.code).toBe(1);
      const divergence = JSON.parse(differs.stdout.trim().split('\n')[0]!);
      expect(divergence).toMatchObject({
        orgId,
        collection: 'members',
        kind: 'different',
        fields: { role: { replayed: 'owner', stored: 'user' } },
      });
    },
    60_000,
  );
});
