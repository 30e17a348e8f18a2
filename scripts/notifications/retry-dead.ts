/**
 * npm run notifications:retry-dead [-- --url http://127.0.0.1:3003] [-- --list]
 *
 * Asks the running notifications service to try its dead deliveries again (each once, now) and prints how each
 * ended; `--list` only lists them. Authenticates with NOTIFICATIONS_ADMIN_TOKEN, or on the embedded default with
 * the token kept under DATA_DIR. Exits 1 when the service refuses or a retried delivery did not go out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { answerOf } from '../http-answer';
import { readInfrastructureConfig } from '@app/platform';

const USAGE = `usage: npm run notifications:retry-dead [-- --url <notifications, default NOTIFICATIONS_URL or http://127.0.0.1:3003>] [-- --list]
  authenticates with NOTIFICATIONS_ADMIN_TOKEN (on the embedded default, the token kept under DATA_DIR)`;

interface Delivery {
  id: string;
  channel: string;
  to: string;
  status: string;
  attempts: number;
  lastError?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(USAGE);
  const base = (values.url ?? process.env.NOTIFICATIONS_URL ?? 'http://127.0.0.1:3003').replace(/\/$/, '');
  const token = adminToken();
  const res = await fetch(`${base}/admin/deliveries${values.list ? '?status=dead' : '/retry-dead'}`, {
    method: values.list ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await answerOf<{ items?: Delivery[] }>(res);
  const items = body.items ?? [];
  for (const d of items)
    console.log(
      `${d.status.padEnd(8)} ${d.channel} ${d.to} (${d.attempts} attempt(s))${d.lastError ? `: ${d.lastError}` : ''}`,
    );
  console.log(values.list ? `${items.length} dead deliveries` : `${items.length} dead deliveries retried`);
  if (!values.list && items.some((d) => d.status !== 'sent')) process.exitCode = 1;
}

/** The configured token, or the one the embedded default keeps; never a new one (it could open nothing). */
function adminToken(): string {
  if (process.env.NOTIFICATIONS_ADMIN_TOKEN) return process.env.NOTIFICATIONS_ADMIN_TOKEN;
  const file = join(readInfrastructureConfig().dataDir, 'secrets', 'notifications-admin.token');
  if (!existsSync(file))
    throw new Error(`set NOTIFICATIONS_ADMIN_TOKEN (no token kept in ${file})\n${USAGE}`);
  return readFileSync(file, 'utf8').trim();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
