import { Upkeep } from '../../src/context/upkeep';
import { FakeClock } from '../helpers/fake-clock';

const flush = () => new Promise((r) => setImmediate(r));

describe('Upkeep', () => {
  it('runs every task on each tick; a failing task neither stops the others nor the next tick', async () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const errors: unknown[] = [];
    const upkeep = new Upkeep(
      clock,
      1000,
      [() => ran.push('a'), () => Promise.reject(new Error('b failed')), async () => ran.push('c')],
      (e) => errors.push(e),
    );
    upkeep.start();
    clock.advance(1000);
    await flush();
    clock.advance(1000);
    await flush();
    expect(ran).toEqual(['a', 'c', 'a', 'c']);
    expect(errors).toHaveLength(2);
    upkeep.stop();
    clock.advance(5000);
    await flush();
    expect(ran).toHaveLength(4);
  });

  it('never overlaps a tick that is still running', async () => {
    const clock = new FakeClock();
    let release!: () => void;
    let runs = 0;
    const upkeep = new Upkeep(clock, 100, [() => (runs++, new Promise<void>((r) => (release = r)))], () => undefined);
    upkeep.start();
    clock.advance(500);
    await flush();
    expect(runs).toBe(1);
    release();
    await flush();
    clock.advance(100);
    await flush();
    expect(runs).toBe(2);
    upkeep.stop();
  });

  it('follows a new interval (settings reloaded)', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const upkeep = new Upkeep(clock, 2000, [() => runs++], () => undefined);
    upkeep.start();
    upkeep.configure(500);
    for (let i = 0; i < 2; i++) {
      clock.advance(500);
      await flush();
    }
    expect(runs).toBe(2); // none yet at the old interval of 2 s
    upkeep.stop();
  });
});
