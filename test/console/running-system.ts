import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, waitFor } from '@app/testing';
import { type Received } from '../../apps/notifications/src/delivery/smtp-server.testing';
import { newestLink } from '../platform.testing';

export const GATEWAY = 'http://127.0.0.1:3000';

/** `npm start`, as the README runs it: the whole system on the embedded default, data under a fresh DATA_DIR. */
export async function startWithNpm(): Promise<{ dataDir: string; stop: () => Promise<void> }> {
  const dataDir = await makeTempDir('console-system');
  const child = spawn('npm', ['start'], {
    cwd: join(__dirname, '../..'),
    // The suites sign up more people a minute, all from this address, than the auth routes' limit (20) lets one client.
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      EVENTSTORE_FSYNC: 'false',
      PUBLIC_URL: GATEWAY,
      AUTH_RATE_LIMIT_PER_IP: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      return output.includes('gateway listening') ? true : undefined;
    },
    { timeoutMs: 90_000, what: 'npm start to listen' },
  );
  // Ready once the read models are filled: until then the routes that read them answer 503.
  await waitFor(async () => (await fetch(`${GATEWAY}/health/ready`)).ok || undefined, {
    timeoutMs: 30_000,
    what: 'the gateway to be ready',
  });
  return {
    dataDir,
    stop: async () => {
      stopGroup(child, 'SIGTERM');
      const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** The newest link to `path` in an e-mail to `to` that the embedded default wrote under DATA_DIR/outbox/email. */
export async function linkFromOutbox(dataDir: string, to: string, path: string): Promise<string> {
  const dir = join(dataDir, 'outbox', 'email');
  return waitFor(async () => newestLink(await outbox(dir), to, path), {
    timeoutMs: 15_000,
    what: `a mail to ${to} with a link to ${path}`,
  });
}

/** Waits until the outbox holds `count` mails to `to`. */
export async function mailsInOutbox(dataDir: string, to: string, count: number): Promise<void> {
  const dir = join(dataDir, 'outbox', 'email');
  await waitFor(async () => (await outbox(dir)).filter((mail) => mail.to.includes(to)).length >= count, {
    timeoutMs: 15_000,
    what: `${count} mails to ${to}`,
  });
}

/** The `.eml` files of the outbox as received mails, oldest first. */
async function outbox(dir: string): Promise<Received[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const mails = await Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const [raw, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const to = raw.match(/^To: .*?([^\s<>"]+@[^\s<>"]+)/m)?.[1] ?? '';
      return { from: '', to: [to], raw, mtimeMs };
    }),
  );
  return mails.sort((a, b) => a.mtimeMs - b.mtimeMs);
}
