import { join } from 'node:path';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { FIXTURES, startFixtureOrchestrator } from '../helpers/orchestrator';

jest.setTimeout(120_000);

const LAYERS = join(FIXTURES, '..', 'layers');

/** Layers (docs/functions-yaml.md) merged in order at /opt, read-only, with Lambda's paths; AWS_LAMBDA_EXEC_WRAPPER. */
describe('layers', () => {
  let orch: StartedOrchestrator;
  beforeAll(async () => {
    ({ orch } = await startFixtureOrchestrator({
      probe: { code: 'layer-probe', layers: [join(LAYERS, 'one'), join(LAYERS, 'two')] },
      wrapped: {
        code: 'layer-probe',
        layers: [join(LAYERS, 'two'), join(LAYERS, 'one')],
        environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper.sh' },
      },
    }));
  }, 180_000);
  afterAll(() => orch?.stop());

  it('merges the layers in order at /opt: the later one wins, read-only, found through NODE_PATH', async () => {
    const r = await orch.invoke('probe', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ conflict: 'two', onlyOne: 'one-only', shared: 'from layer one', wrappedBy: null, writeOpt: 'EROFS' });
  });

  it('runs the runtime through AWS_LAMBDA_EXEC_WRAPPER', async () => {
    const r = await orch.invoke('wrapped', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({ conflict: 'one', wrappedBy: 'layer-one' });
  });
});
