/**
 * The auditor's CLI: npm run audit -- <command> (also the `identity-audit` bin). Reads the event store alone
 * (EVENTSTORE_CONNECTION_STRING, else the embedded store `npm start` serves); only `diff` also reads MongoDB.
 * docs/audit.md says what each command proves. Exit codes: 0 done; 1 tampering or divergence found, or a signer
 * refused; 2 bad input, an unknown organization or an unreachable store; 3 `verify` found nothing altered but could
 * not prove the bundle (no trusted key given, or not sealed).
 */
import { notLater, readInstant } from '@app/text';
import { parseArgs } from 'node:util';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  CheckpointContinuityError,
  chainHeadOf,
  checkpointDigest,
  type BundleCheckpoint,
  loadAuditSigningKey,
  publicKeyPem,
  publishPublicKey,
  publishedPublicKeys,
  type AuditSigningKey,
  writeCheckpoints,
} from '@app/audit';
import {
  loadPermissionsCatalog,
  adoptionAt,
  withRoleDefaults,
  type PermissionsCatalog,
} from '@app/permissions';
import { acquirePersonalData, releasePersonalData } from '@app/personal-data';
import { personalDataSettings, readInfrastructureConfig } from '@app/platform';
import { MongoReadStore } from '@app/read-store';
import { rosterAt } from '../../apps/membership/src/organizations/roster-at';
import { readModelsOf } from '../../apps/gateway/src/read-models/read-models';
import { exportBundle } from './bundle-export';
import { CliError, parseInstant, required } from './cli-error';
import { HISTORY_COLUMNS, historyRows, type HistoryFilter, type HistoryRow } from './history';
import { organizationStreamOf, type OrganizationRecord } from './organization-stream';
import { printable } from '@app/text';
import { outputFormatOf, RowWriter } from './output-format';
import { readBundleFile, unprovenReasons } from './bundle-file';
import {
  allRecords,
  answeredInstant,
  bundleSource,
  eventStoreSource,
  type AuditSource,
} from './audit-source';
import { diffOrganization, organizationIdsOf, replayReadModels, type Divergence } from './read-model-diff';
import { connectEventStore } from './store-connection';
import { explainPermission, whenRecorded, type Explanation } from './why';

const USAGE = `usage: npm run audit -- <command> [options]
  history --org <id> [--from <ISO>] [--to <ISO>] [--user <id>] [--format table|jsonl|csv]
  roster  --org <id> --at <ISO> [--format table|jsonl|csv]
  why     --org <id> --user <id> --permission <p> [--at <ISO>]
  history|roster|why --bundle <file> [--public-key <pem file>] [their options]
                                        (offline, from an export; exit code as verify's)
  diff    --org <id> | --all            (needs MONGO_URL: the gateway's read models)
  export  --org <id> --out <file> [--sign [--new-key]]
  verify  <file> [--public-key <pem file>]
  checkpoint --org <id> [--new-key]     (operator: signs the head now, with AUDIT_SIGNING_KEY_PEM, or on this
                                         machine the key the embedded default keeps under DATA_DIR; a key the
                                         store has not published, where it has others, only with --new-key)
  public-key                            (operator: the key auditors should trust)`;

const OPTIONS = {
  org: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  at: { type: 'string' },
  user: { type: 'string' },
  permission: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  all: { type: 'boolean' },
  sign: { type: 'boolean' },
  'new-key': { type: 'boolean' },
  'public-key': { type: 'string' },
  bundle: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`);
  }
  const [command, ...rest] = parsed.positionals;
  const values = parsed.values;
  if (!command || values.help) {
    console.log(USAGE);
    // Asking for help is no mistake; a bare `audit` is.
    return values.help ? 0 : 2;
  }
  if (command === 'verify') {
    if (rest.length > 1)
      throw new CliError(`verify checks one bundle at a time: run it once for each of ${rest.join(', ')}`);
    return verify(rest[0], values['public-key']);
  }
  if (values.bundle !== undefined) {
    const fromExport = SOURCE_COMMANDS[command];
    if (!fromExport)
      throw new CliError(
        `--bundle: ${command} reads the event store; history, roster, why and verify read a bundle`,
      );
    // Bad options are exit 2 whatever the bundle holds, as they are before the event store is reached.
    OPTIONS_OF[command]!(values);
    return fromBundle(values.bundle, values, fromExport);
  }
  const handler = COMMANDS[command];
  if (!handler) throw new CliError(`unknown command "${command}"\n${USAGE}`);
  // The commands that sign check for the key before they reach any store.
  if (command === 'checkpoint' || command === 'public-key' || (command === 'export' && values.sign))
    operatorKey();
  const client = await connectEventStore();
  try {
    return await handler(client, values);
  } finally {
    await client.dispose();
  }
}

/** What each command that reads a bundle checks of its own options before the bundle is read. */
const OPTIONS_OF: Record<string, (values: Values) => void> = {
  history: (values) => {
    historyFilterOf(values);
    outputFormatOf(values.format);
  },
  roster: (values) => {
    parseInstant(required(values.at, '--at'), '--at');
    outputFormatOf(values.format);
  },
  why: (values) => {
    required(values.user, '--user');
    required(values.permission, '--permission');
    parseInstant(values.at, '--at');
  },
};

/** The commands that read an organization's history: from the event store, or (`--bundle`) from an export. */
const SOURCE_COMMANDS: Record<string, (source: AuditSource, values: Values) => Promise<number>> = {
  async history(source, values) {
    const orgId = required(values.org, '--org');
    await writeHistory(source.records(orgId), historyFilterOf(values), values);
    return 0;
  },

  async roster(source, values) {
    const orgId = required(values.org, '--org');
    const at = answeredInstant(source, parseInstant(required(values.at, '--at'), '--at'))!;
    const format = outputFormatOf(values.format);
    const history = (await allRecords(source, orgId)).map((r) => r.event);
    const rows = rosterAt(history, at, (await catalogAt(source, at)).catalog).map((entry) => ({
      userId: entry.userId,
      role: entry.role,
      permissions: entry.permissions.join(' '),
      granted: entry.granted.join(' '),
      teams: entry.teams.map((t) => `${t.name} (${t.role})`).join(', '),
    }));
    const writer = new RowWriter<(typeof rows)[number]>(format, [
      'userId',
      'role',
      'permissions',
      'granted',
      'teams',
    ]);
    // Which instant the rows are about, beside them (not in them: jsonl and csv stay rows only).
    console.error(`roster of organization ${orgId} at ${at.toISOString()}`);
    for (const row of rows) writer.write(row);
    writer.end();
    return 0;
  },

  async why(source, values) {
    const orgId = required(values.org, '--org');
    const userId = required(values.user, '--user');
    const permission = required(values.permission, '--permission');
    const instant = answeredInstant(source, parseInstant(values.at, '--at'));
    const { catalog, since, known } = await catalogAt(source, instant ?? new Date());
    if (!known(permission))
      throw new CliError(`--permission: "${permission}" is not in the permissions catalog`);
    const explain = async (
      org: string,
      p: string,
      throughParent: boolean,
      listingChild?: string,
    ): Promise<Explanation> =>
      explainPermission({
        history: await allRecords(source, org).catch((error: unknown) => {
          // The parent named by a link is not there: say so, rather than blame --org.
          if (org !== orgId && error instanceof CliError)
            throw new CliError(
              `the parent organization ${printable(org)} linked to ${orgId} is not in ${source.name}`,
              // Missing from the event store, it is gone; a bundle of the child never holds it.
              source.until ? 2 : 1,
            );
          throw error;
        }),
        userId,
        permission: p,
        catalog,
        ...optional('defaultsRecordedAt', since && whenRecorded(since, instant)),
        ...optional('instant', instant),
        // R19 goes one level up: a member of the parent holding customers.manage, never a grandparent's.
        ...optional('listingChild', listingChild),
        ...(throughParent
          ? { parent: (parent: string, child: string) => explain(parent, 'customers.manage', false, child) }
          : {}),
      });
    const answer = await explain(orgId, permission, true);
    const when = instant ? `at ${instant.toISOString()}` : 'now';
    // What the events say is printed escaped: an event's text cannot draw a line of its own.
    console.log(
      printable(
        answer.held
          ? `${userId} holds ${permission} in ${orgId} ${when}${answer.via === 'parent' ? ', acting as Admin through the parent (R19)' : ''}, because:`
          : `not held: ${userId} does not hold ${permission} in ${orgId} ${when}: ${answer.why}`,
      ),
    );
    for (const r of answer.chain)
      console.log(printable(`  revision ${r.revision}  ${r.at}  ${r.change}  by ${r.actor}: ${r.says}`));
    return 0;
  },
};

const COMMANDS: Record<string, (client: EventStoreDBClient, values: Values) => Promise<number>> = {
  history: (client, values) => SOURCE_COMMANDS.history!(eventStoreSource(client), values),
  roster: (client, values) => SOURCE_COMMANDS.roster!(eventStoreSource(client), values),
  why: (client, values) => SOURCE_COMMANDS.why!(eventStoreSource(client), values),

  async diff(client, values) {
    const mongoUrl = process.env.MONGO_URL;
    if (!mongoUrl) throw new CliError('diff compares with the read models in MongoDB: set MONGO_URL');
    if (!values.all) required(values.org, '--org (or --all)');
    // The services' keys (MONGO_URL, or DATA_DIR, and PERSONAL_DATA_MASTER_KEY): personal fields open as they do.
    const personalData = await acquirePersonalData(personalDataSettings(readInfrastructureConfig()));
    const replayed = await replayReadModels(client, loadPermissionsCatalog(), personalData).finally(() =>
      releasePersonalData(personalData),
    );
    const store = await MongoReadStore.connect(mongoUrl, process.env.GATEWAY_READ_DB ?? 'gateway').catch(
      (error: unknown) => {
        throw new CliError(
          `cannot reach MongoDB (MONGO_URL): ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
    try {
      const stored = readModelsOf(store);
      const orgs = values.all ? await organizationIdsOf(replayed) : [values.org!];
      if (!values.all && !(await replayed.organizations.get(values.org!)))
        throw new CliError(`organization ${values.org!} is not in the event store`);
      const divergences: Divergence[] = [];
      for (const orgId of orgs) divergences.push(...(await diffOrganization(orgId, replayed, stored)));
      for (const d of divergences) console.log(JSON.stringify(d));
      console.error(`${orgs.length} organization(s) compared: ${divergences.length} divergence(s)`);
      return divergences.length === 0 ? 0 : 1;
    } finally {
      await store.close();
    }
  },

  async export(client, values) {
    const orgId = required(values.org, '--org');
    const out = required(values.out, '--out');
    const key = values.sign ? await keyOfThisStore(client, values) : undefined;
    const summary = await exportBundle(client, orgId, out, key);
    console.log(
      `${out}: ${summary.events} events, ${summary.checkpoints} signed checkpoint(s)` +
        `${summary.signedUpTo === undefined ? ', none yet' : `, signed up to revision ${summary.signedUpTo}`}` +
        `${summary.sealed ? ', sealed' : '; not sealed (an operator seals with --sign): verify cannot rule out a cut tail'}` +
        `; key ${summary.keyId}; ${summary.roleDefaults} role-defaults record(s)` +
        `${summary.roleDefaults === 0 ? ' (none chained: roster and why read the event store, not this bundle)' : ''}`,
    );
    return 0;
  },

  async checkpoint(client, values) {
    const orgId = required(values.org, '--org');
    const key = await keyOfThisStore(client, values);
    const stream = organizationStreamOf(orgId);
    const head = await chainHeadOf(client, stream);
    if (!head) throw new CliError(`organization ${orgId} has no chained event to sign`);
    await publishPublicKey(client, key);
    try {
      const [written] = await writeCheckpoints(client, [{ stream, ...head }], key);
      console.log(
        written
          ? `signed ${stream} at revision ${head.revision} (${head.hash}) as checkpoint ${written.sequence} with key ${key.keyId}`
          : `${stream} is already signed at revision ${head.revision}`,
      );
    } catch (error) {
      if (error instanceof CheckpointContinuityError) throw new CliError(`refused: ${error.message}`, 1);
      throw error;
    }
    return 0;
  },

  async 'public-key'() {
    const key = operatorKey();
    // The PEM alone on stdout, so that `public-key > audit.pub` writes the file `verify --public-key` reads.
    console.error(`key id ${key.keyId}`);
    console.log(publicKeyPem(key.publicKey).trim());
    return 0;
  },
};

function historyFilterOf(values: Values): HistoryFilter {
  const filter = {
    ...optional('from', parseInstant(values.from, '--from', { bound: 'lower' })),
    ...optional('to', parseInstant(values.to, '--to', { bound: 'upper' })),
    ...optional('user', values.user),
  };
  // As written, not as rounded to the millisecond: `--from` and `--to` at the same microsecond ask for that instant.
  const [from, to] = [readInstant(values.from ?? ''), readInstant(values.to ?? '')];
  const after = from && to ? !notLater(from, to) : filter.from && filter.to && filter.from > filter.to;
  if (after)
    throw new CliError(`--from (${values.from}) is after --to (${values.to}): no instant is in between`);
  return filter;
}

async function writeHistory(
  records: AsyncIterable<OrganizationRecord> | Iterable<OrganizationRecord>,
  filter: HistoryFilter,
  values: Values,
): Promise<void> {
  const writer = new RowWriter<HistoryRow>(outputFormatOf(values.format), [...HISTORY_COLUMNS]);
  for await (const row of historyRows(records, filter)) writer.write(row);
  writer.end();
}

/**
 * `history`, `roster` or `why` with `--bundle`: offline, from an exported bundle, once nothing in it is found
 * altered. The exit code says what the bundle proves, as `verify`'s does.
 */
async function fromBundle(
  path: string,
  values: Values,
  command: (source: AuditSource, values: Values) => Promise<number>,
): Promise<number> {
  const { bundle, verdict } = await readBundleFile(path, values['public-key']);
  if (!verdict.intact) {
    console.error(`${path} is NOT intact (verify says where): nothing is read from it`);
    return 1;
  }
  // The organization's id is printed and asked about: one that could draw on the terminal is no id an export writes.
  if (printable(bundle.header.org) !== bundle.header.org) {
    console.error(`${path} is NOT intact: its organization id holds control characters`);
    return 1;
  }
  const code = await command(bundleSource(bundle), { org: bundle.header.org, ...values });
  const missing = unprovenReasons(verdict);
  console.error(
    missing.length === 0
      ? `${path}: intact, sealed, signed by the trusted key: proven`
      : `${path}: intact, but NOT proven: ${missing.join('; ')}`,
  );
  return code !== 0 ? code : missing.length === 0 ? 0 : 3;
}

async function verify(file: string | undefined, trustedKeyFile: string | undefined): Promise<number> {
  const { bundle, verdict } = await readBundleFile(required(file, 'verify <file>'), trustedKeyFile);
  console.log(
    `key ${verdict.keyId}${verdict.trustedKey === undefined ? ' (not compared with a trusted key: pass --public-key)' : verdict.trustedKey ? ' (the trusted key)' : ' — NOT the trusted key'}`,
  );
  console.log(
    `organization ${printable(bundle.header.org)}, exported ${printable(bundle.header.exportedAt)}, ${verdict.sealed ? 'sealed' : 'not sealed'}`,
  );
  for (const problem of verdict.problems) console.log(`  BAD BUNDLE: ${printable(problem)}`);
  for (const s of verdict.streams) {
    const from =
      s.chainedFrom === undefined
        ? 'no chained event'
        : s.chainedFrom === 0
          ? 'chained from revision 0'
          : `chained from revision ${s.chainedFrom} (earlier events predate hash chains and are not verified)`;
    const signed =
      s.signedUpTo === undefined
        ? 'not signed'
        : `signed up to revision ${s.signedUpTo}${s.signedUpTo < s.events - 1 ? ` (revisions ${s.signedUpTo + 1}..${s.events - 1} chained but not yet signed)` : ''}`;
    console.log(`${printable(s.stream)}: ${s.events} events, ${from}${s.firstBad ? '' : `, ${signed}`}`);
    if (s.firstBad)
      console.log(`  TAMPERED at revision ${s.firstBad.revision}: ${printable(s.firstBad.reason)}`);
    if (s.unproven) console.log(`  NOT PROVEN: ${s.unproven}`);
    const checkpoints = bundle.checkpoints.filter((c) => c.stream === s.stream);
    if (checkpoints.length > 0) console.log(`  ${checkpointRange(checkpoints)}`);
  }
  if (!verdict.intact) {
    console.log('NOT intact');
    return 1;
  }
  if (verdict.proven) {
    console.log('intact, sealed, signed by the trusted key: proven');
    return 0;
  }
  const missing = unprovenReasons(verdict);
  console.log(`intact, but NOT proven: ${missing.join('; ')}`);
  return 3;
}

/**
 * Which checkpoints a stream's part of the bundle holds and what its first links to: an export holds only the run
 * signed with the newest key, so two exports are compared by these (the same checkpoint has the same digest).
 */
function checkpointRange(checkpoints: readonly BundleCheckpoint[]): string {
  const sorted = [...checkpoints].sort((a, b) => Number(a.sequence) - Number(b.sequence));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const link = first.previous
    ? `the first links to checkpoint ${Number(first.sequence) - 1} with digest ${printable(first.previous)}: compare with an earlier export`
    : 'from the first checkpoint ever signed';
  return `checkpoints ${printable(first.sequence)}..${printable(last.sequence)} (last digest ${checkpointDigest(last)}), ${link}`;
}

/**
 * The services' signing key, never one made up here. The key kept under DATA_DIR is the embedded default's: it signs
 * only for a store on this machine, never for one elsewhere (a developer's local key must not sign, or be published,
 * into production).
 */
function operatorKey() {
  try {
    const target = process.env.EVENTSTORE_CONNECTION_STRING;
    if (target && !onThisMachine(target) && !process.env.AUDIT_SIGNING_KEY_PEM)
      throw new Error(
        'no audit signing key: set AUDIT_SIGNING_KEY_PEM (the key kept under DATA_DIR signs only for a store on this machine)',
      );
    return loadAuditSigningKey(readInfrastructureConfig().dataDir, process.env, { generate: false });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The operator's key, if the store has published it or none at all; another one (a rotation) only with --new-key. A
 * port-forward makes a remote store look like this machine's: a developer's key must not sign, or be published, there.
 */
async function keyOfThisStore(client: EventStoreDBClient, values: Values): Promise<AuditSigningKey> {
  const key = operatorKey();
  const published = await publishedPublicKeys(client);
  if (published.size > 0 && !published.has(key.keyId) && values['new-key'] !== true)
    throw new CliError(
      `refused: this event store has published audit key(s) ${[...published.keys()].join(', ')}, not ${key.keyId} ` +
        `(is it the store you mean, ${process.env.EVENTSTORE_CONNECTION_STRING ?? 'the default on this machine'}?); ` +
        'to publish and sign with this key (a rotation), pass --new-key',
      1,
    );
  return key;
}

function onThisMachine(connectionString: string): boolean {
  const hosts = connectionString.replace(/^esdb(\+discover)?:\/\/([^@/]*@)?/, '').split(/[/?]/)[0] ?? '';
  return hosts
    .split(',')
    .every((host) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host.trim()));
}

/**
 * R21: the catalog with the role defaults membership decided with at `instant`, as the event store (or a bundle of it)
 * records them (this machine's catalog where nothing was recorded). Prerequisites and plans are this machine's.
 */
async function catalogAt(source: AuditSource, instant: Date): Promise<CatalogThen> {
  const local = loadPermissionsCatalog();
  const history = await source.roleDefaults();
  const adopted = adoptionAt(history, instant);
  return {
    catalog: adopted ? withRoleDefaults(local, adopted.defaults) : local,
    ...(adopted ? { since: adopted.since } : {}),
    // The Owner holds every permission of a catalog: one the deployment ever had is one to ask about.
    known: (permission) =>
      local.permissions.has(permission) || history.some((a) => a.defaults.owner.includes(permission)),
  };
}

interface CatalogThen {
  readonly catalog: PermissionsCatalog;
  /** When the role defaults in force were recorded. */
  readonly since?: string;
  readonly known: (permission: string) => boolean;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// Piped into `head` or a pager that quits: the reader has what it wanted, which is no failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError) {
      console.error(`audit: ${error.message}`);
      process.exit(error.exitCode);
    }
    console.error(`audit: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(2);
  },
);
