/**
 * Scenario 6: what people do without warm reuse, one container per invocation, as the
 * baseline the warm path is compared to. Both through the Engine API (create, attach, start,
 * wait, remove: what `docker run --rm` does, minus the CLI) and with the docker CLI itself.
 * No CPU quota on these (the fastest `docker run --rm` can be: a conservative baseline).
 */
import { summarize, timed } from '../stats';
import { scaled, type BenchContext, type ScenarioResult } from '../types';
import { TARGETS, WARM_SETTINGS } from '../settings';

export const DOCKER_RUN_CPU_LIMIT = false;

export async function dockerRunPerInvocation(ctx: BenchContext, warm: { label: string; samples: number[] }): Promise<ScenarioResult> {
  const warmup = 1;
  const iterations = scaled(ctx, 10, 3);
  const api: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const a = await timed(() => ctx.baselines.runOnceApi(DOCKER_RUN_CPU_LIMIT));
    const c = await timed(() => ctx.baselines.runOnceCli(DOCKER_RUN_CPU_LIMIT));
    if (i >= warmup) {
      api.push(a.ms);
      cli.push(c.ms);
    }
  }
  const warmStats = summarize(warm.samples);
  const apiStats = summarize(api);
  const cliStats = summarize(cli);
  return {
    facts: { 's6.warm': warmStats.median, 's6.api': apiStats.median, 's6.cli': cliStats.median },
    comparisons: [
      {
        scenario: '6. Warm after idling vs one container per invocation',
        subject: { label: warm.label, stats: warmStats },
        baseline: { label: '`docker run --rm` via the Engine API (create, attach, start, wait, remove), no CPU quota', stats: apiStats },
        target: {
          text: `≥ ${TARGETS.dockerRunSpeedup}× faster (median)`,
          met: apiStats.median / warmStats.median >= TARGETS.dockerRunSpeedup,
        },
        ratioInverted: true,
      },
      {
        scenario: '6. Warm after idling vs one container per invocation',
        subject: { label: warm.label, stats: warmStats },
        baseline: { label: '`docker run --rm` with the docker CLI, no CPU quota', stats: cliStats },
        target: {
          text: `≥ ${TARGETS.dockerRunSpeedup}× faster (median)`,
          met: cliStats.median / warmStats.median >= TARGETS.dockerRunSpeedup,
        },
        ratioInverted: true,
      },
    ],
    tables: [],
    notes: [
      `Scenario 6: ${iterations} runs each after ${warmup} warm-up; the container loads the same no-op handler, runs it once on \`{}\`, prints the result and exits (bench/fixtures/noop/once.js); ${WARM_SETTINGS.memorySize} MB, same user, mounts and read-only root as a context.`,
    ],
  };
}
