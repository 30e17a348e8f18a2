import { AfterAnswer } from './after-answer';

describe('work done after the answer', () => {
  it('starts the work without waiting for it; drain waits for it to finish', async () => {
    const afterAnswer = new AfterAnswer();
    let release!: () => void;
    const steps: string[] = [];
    afterAnswer.run(async () => {
      steps.push('started');
      await new Promise<void>((resolve) => (release = resolve));
      steps.push('finished');
    });
    steps.push('answered');
    await Promise.resolve();
    await Promise.resolve();
    expect(steps).toEqual(['answered', 'started']);

    let drained = false;
    const draining = afterAnswer.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(steps).toEqual(['answered', 'started', 'finished']);
  });

  it('reports a failure instead of rejecting into nobody, and goes on with later work', async () => {
    const errors: unknown[] = [];
    const afterAnswer = new AfterAnswer((error) => errors.push(error));
    const done: string[] = [];
    afterAnswer.run(() => Promise.reject(new Error('mail relay down')));
    afterAnswer.run(async () => {
      done.push('second');
    });
    await afterAnswer.drain();
    expect(errors).toEqual([new Error('mail relay down')]);
    expect(done).toEqual(['second']);
  });

  it('drain also waits for work started while draining', async () => {
    const afterAnswer = new AfterAnswer();
    const done: string[] = [];
    afterAnswer.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      afterAnswer.run(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        done.push('follow-up');
      });
    });
    await afterAnswer.drain();
    expect(done).toEqual(['follow-up']);
  });
});
