import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedOrchestrator } from '../../src/orchestrator';
import { startFixtureOrchestrator } from '../helpers/orchestrator';

jest.setTimeout(300_000);

type Probe = { version: string; calls: number; accessKeyId: string | null; hasSecret: boolean };
const JSON_WARN = { logFormat: 'JSON', applicationLogLevel: 'WARN', systemLogLevel: 'INFO' };

/** Each runtime (docs/functions-yaml.md), warm reuse, JSON logs filtered by level, the SDK / boto3, credentials from the host. */
describe.each([
  ['nodejs24.x', 'node-probe', 'index.handler', /^v24\./],
  ['nodejs22.x', 'node-probe', 'index.handler', /^v22\./],
  ['nodejs20.x', 'node-probe', 'index.handler', /^v20\./],
  ['python3.11', 'python-probe', 'app.handler', /^3\.11\./],
])('%s', (runtime, code, handler, version) => {
  let orch: StartedOrchestrator;
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAHOSTENV', AWS_SECRET_ACCESS_KEY: 'host-secret' });
    // Creating an SDK client is CPU work: at 128 MB's 0.072 CPU it can take seconds; this is about
    // what the runtime holds, not its speed.
    const shape = { memorySize: 512, timeout: 30 };
    ({ orch } = await startFixtureOrchestrator({
      text: { code, handler, runtime, ...shape },
      json: { code, handler, runtime, loggingConfig: JSON_WARN, ...shape },
    }));
  }, 300_000);
  afterAll(async () => {
    process.env = saved;
    await orch?.stop();
  });

  it("runs the right version, warm, with the SDK and the host's credentials from its environment", async () => {
    const cold = await orch.invoke<Probe>('text', {});
    expect(cold.functionError).toBeUndefined();
    expect(cold.payload.version).toMatch(version);
    expect(cold.payload).toMatchObject({ calls: 1, accessKeyId: 'AKIAHOSTENV', hasSecret: true });
    const warm = await orch.invoke<Probe>('text', {});
    expect(warm).toMatchObject({ coldStart: false, contextId: cold.contextId, payload: { calls: 2 } });
  });

  it('with logFormat JSON at WARN: JSON records, the INFO line filtered out, platform lines as JSON', async () => {
    const r = await orch.invoke<Probe>('json', {});
    expect(r.functionError).toBeUndefined();
    const records = r.logTail
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ type: 'platform.start', record: { requestId: r.requestId, version: '$LATEST' } });
    expect(records.at(-1)).toMatchObject({
      type: 'platform.report',
      record: { requestId: r.requestId, status: 'success', metrics: { memorySizeMB: 512 } },
    });
    // The SDK warns on Node.js 20 (stderr, an ERROR record): not the function's own lines.
    const app = records.filter((x) => 'level' in x && !String(x.message).includes('NodeVersionSupportWarning'));
    expect(app.map((x) => [x.level, x.message])).toEqual(
      [['WARN', 'a warn line']].map(([l, m]) => [runtime.startsWith('python') && l === 'WARN' ? 'WARNING' : l, m]),
    );
    expect(app[0]).toMatchObject({ requestId: r.requestId });
  });
});

describe('credentials from a profile file', () => {
  it("gives the function the profile's keys when the environment has none", async () => {
    const saved = { ...process.env };
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-creds-'));
    writeFileSync(join(dir, 'credentials'), '[local]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_PROFILE: 'local',
    });
    const { orch } = await startFixtureOrchestrator({ f: { code: 'node-probe', runtime: 'nodejs22.x' } });
    try {
      const r = await orch.invoke<Probe>('f', {});
      expect(r.payload).toMatchObject({ accessKeyId: 'AKIAPROFILE', hasSecret: true });
    } finally {
      process.env = saved;
      await orch.stop();
    }
  });
});
