import { DomainError } from '@app/domain';
import { LookAlikeTiming } from './look-alike-timing';
import { Registration, type RegistrationDependencies } from './registration';

/** A clock that moves only when told, and a sleep that records how long it was asked to wait. */
function fakeTime(random = () => 0) {
  const clock = { now: 0, slept: [] as number[] };
  const timing = new LookAlikeTiming({
    now: () => clock.now,
    random,
    sleep: (ms) => {
      clock.slept.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
  });
  return { clock, timing };
}

describe('look-alike timing', () => {
  it('waits until a recorded duration of the imitated outcome, picked at random, has passed', async () => {
    const { clock, timing } = fakeTime(() => 0.99);
    for (const duration of [30, 45]) {
      const started = timing.start();
      clock.now += duration;
      timing.record(started);
    }
    const started = timing.start();
    clock.now += 10;
    await timing.imitate(started);
    expect(clock.slept).toEqual([35]);
    // Already slower than the one picked: no wait at all.
    const late = timing.start();
    clock.now += 60;
    await timing.imitate(late);
    expect(clock.slept).toEqual([35]);
  });

  it('keeps only the latest durations, and imitates its fallback before any', async () => {
    const clock = { now: 0, slept: [] as number[] };
    const timing = new LookAlikeTiming({
      size: 2,
      fallbackMs: 20,
      now: () => clock.now,
      random: () => 0,
      sleep: (ms) => {
        clock.slept.push(ms);
        return Promise.resolve();
      },
    });
    await timing.imitate(timing.start());
    for (const duration of [100, 7, 9]) {
      const started = timing.start();
      clock.now += duration;
      timing.record(started);
    }
    await timing.imitate(timing.start());
    // The 100 ms one was replaced by the third; the first slot now holds 9.
    expect(clock.slept).toEqual([20, 9]);
  });

  it('a registration of a taken address answers only once a new account’s time has passed (enumeration)', async () => {
    const { clock, timing } = fakeTime(() => 0);
    const sent: string[] = [];
    const taken = new Map<string, string>();
    const registration = new Registration({
      timing,
      policy: { assert: () => undefined },
      hasher: { hash: () => Promise.resolve('hash') },
      credentials: { setHash: () => Promise.resolve() },
      accounts: {
        load: () => Promise.resolve({ status: 'none' }),
        // A new account's writes take 40 ms here.
        execute: () => {
          clock.now += 40;
          return Promise.resolve({});
        },
      },
      reservations: {
        // As the real ones: the holder reserving again changes nothing.
        reserve: (_kind: string, email: string, userId: string) =>
          taken.has(email) && taken.get(email) !== userId
            ? Promise.reject(new DomainError('email-taken', 'conflict', 'taken'))
            : Promise.resolve(void taken.set(email, userId)),
      },
      mailQuota: { allows: () => Promise.resolve(true) },
      mail: {
        send: (mail: { template: string }) => {
          sent.push(mail.template);
          return Promise.resolve();
        },
        sendVerificationLink: () => {
          sent.push('verify-email');
          return Promise.resolve();
        },
      },
    } as unknown as RegistrationDependencies);
    const register = (commandId: string) =>
      registration.register({
        commandId,
        name: 'Ada',
        email: 'ada@example.com',
        password: 'a long passphrase',
      });

    await expect(register('c1')).resolves.toEqual({ status: 'accepted' });
    expect(clock.slept).toEqual([]);
    const at = clock.now;
    await expect(register('c2')).resolves.toEqual({ status: 'accepted' });
    expect(sent).toEqual(['verify-email', 'account-exists']);
    // The taken address waited out the 40 ms the new account took (not the 50 ms fallback).
    expect(clock.now - at).toBe(40);
  });
});
