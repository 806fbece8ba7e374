import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { resolveRuntimeApiAddress } from '../../src/engine/host-address';
import { startOrchestrator, type StartedOrchestrator } from '../../src/orchestrator';
import { buildDist, cli } from '../helpers/cli';
import { CapturedLogs, FIXTURES } from '../helpers/orchestrator';
import { CGROUP_PARENT, GATEWAY, startSecondEngine, type SecondEngine } from '../helpers/second-engine';
import { sleep, waitFor } from '../helpers/wait';

/**
 * Any Docker host (docs/settings.md, DOCKER_HOST): the core cases against a second Docker engine started here for the
 * test, reached through DOCKER_HOST (tcp://, then unix://), with its own data root (no images: the
 * orchestrator builds them there, offline), its own bridge and its own cgroup parent (so memory is
 * read through the stats API, as on a remote engine). The Runtime API address is detected: the
 * second bridge's gateway. Nothing runs on the main engine.
 */
jest.setTimeout(60_000);

const mainEngine = new Docker({ socketPath: '/var/run/docker.sock' });
const savedDockerHost = process.env.DOCKER_HOST;
let engine: SecondEngine | undefined;
let orch: StartedOrchestrator | undefined;
let overUnix: StartedOrchestrator | undefined;
const progress: string[] = [];
const logs = new CapturedLogs(); // Lambda's lines, as `up` would print them
let imagesBefore: Docker.ImageInfo[] = [];

const functions = {
  reuse: { handler: 'index.handler', code: 'reuse' },
  isolation: { handler: 'index.handler', code: 'isolation' },
  timer: { handler: 'index.handler', code: 'late-timer' },
  short: { handler: 'index.handler', code: 'reuse', timeout: 1 },
  hog: { handler: 'index.handler', code: join(__dirname, '..', 'example', 'functions', 'hog'), memorySize: 128, timeout: 30 },
  echo: { handler: 'none', code: join(FIXTURES, '..', 'runtime', 'provided-echo'), runtime: 'provided' },
};

beforeAll(async () => {
  await buildDist(); // the `orchestrator down` test runs the command line
  engine = await startSecondEngine(); // throws (failing every test below) with dockerd's log if it cannot start
  imagesBefore = await engine.docker.listImages();
  process.env.DOCKER_HOST = engine.tcpHost;
  const t = Date.now();
  const at: Array<[number, string]> = [];
  const onProgress = (l: string) => {
    progress.push(l);
    at.push([Date.now() - t, l]);
  };
  // No stems: the contexts on the second engine are counted.
  orch = await startOrchestrator({ config: { settings: { stemContexts: 0 }, functions }, baseDir: FIXTURES, logSink: logs, onProgress });
  const buildMs = Date.now() - t;
  const when = (re: RegExp) => at.find(([, l]) => re.test(l))?.[0] ?? NaN;

  console.log(
    `second engine: answered ${engine.startMs} ms after spawn; on it the orchestrator started in ${buildMs} ms: ` +
      `host base imported at ${when(/^imported /)} ms, nodejs24.x built at ${when(/^built lambda-orchestrator\/nodejs/)} ms, ` +
      `provided built at ${when(/^built lambda-orchestrator\/provided/)} ms`,
  );
}, 240_000);

afterAll(async () => {
  const problems: string[] = [];
  for (const o of [overUnix, orch]) await o?.stop().catch((err: Error) => problems.push(`stop: ${err.message}`));
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  if (engine) problems.push(...(await engine.stop()));
  if (problems.length > 0) throw new Error(`second engine cleanup: ${problems.join('; ')}`);
}, 90_000);

const docker = () => engine!.docker;
const state = async (id: string) => (await docker().getContainer(id).inspect()).State;
const containerOf = async (o: StartedOrchestrator, fn: string) => {
  const ctx = (await o.contexts()).find((c) => c.function === fn);
  expect(ctx?.containerId).toBeTruthy();
  return ctx!.containerId!;
};

it('found no image on the new engine and built the runtime images there from the offline host base', async () => {
  expect(imagesBefore).toEqual([]);
  const text = progress.join('\n');
  expect(text).toMatch(/assembling lambda-orchestrator\/base:host-[0-9a-f]{12} from this host/);
  expect(text).toMatch(/imported lambda-orchestrator\/base:host-/);
  expect(text).toMatch(/built lambda-orchestrator\/nodejs24\.x:[0-9a-f]{12}/);
  expect(text).toMatch(/built lambda-orchestrator\/provided:[0-9a-f]{12}/);
  const tags = (await docker().listImages()).flatMap((i) => i.RepoTags ?? []);
  expect(tags).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^lambda-orchestrator\/base:host-/),
      expect.stringMatching(/^lambda-orchestrator\/nodejs24\.x:/),
      expect.stringMatching(/^lambda-orchestrator\/provided:/),
    ]),
  );
});

it("detects the Runtime API address: the second bridge's gateway, an address of this host", async () => {
  expect(await resolveRuntimeApiAddress(docker(), orch!.config.settings)).toEqual({ advertise: GATEWAY, bind: GATEWAY, checkPeer: true });
  const r = await orch!.invoke<{ env: { runtimeApi: string } }>('isolation', {});
  expect(r.payload.env.runtimeApi).toMatch(new RegExp(`^${GATEWAY.replace(/\./g, '\\.')}:\\d+$`));
});

it('keeps globals and /tmp in one warm context, frozen between invocations', async () => {
  const r1 = await orch!.invoke<{ count: number; tmp: string }>('reuse', { mark: 'engine-2' });
  const r2 = await orch!.invoke<{ count: number; tmp: string }>('reuse', {});
  const r3 = await orch!.invoke<{ count: number; tmp: string }>('reuse', {});
  expect([r1, r2, r3].map((r) => r.payload.count)).toEqual([1, 2, 3]);
  expect(r3.payload.tmp).toBe('engine-2');
  expect([r1.coldStart, r2.coldStart, r3.coldStart]).toEqual([true, false, false]);
  expect(new Set([r1.contextId, r2.contextId, r3.contextId]).size).toBe(1);

  const id = await containerOf(orch!, 'reuse');
  await waitFor(`container ${id.slice(0, 12)} paused`, async () => (await state(id)).Paused);
  const inflight = orch!.invoke('reuse', { sleepMs: 1200 });
  await sleep(500);
  expect(await state(id)).toMatchObject({ Running: true, Paused: false });
  await inflight;
  await waitFor(`container ${id.slice(0, 12)} paused`, async () => (await state(id)).Paused);
  // The container is on the second engine, not on the main one.
  await expect(mainEngine.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

it('does not run a pending timer while frozen; it runs after the thaw', async () => {
  // 300 ms: longer than any freeze takes; had it run while "frozen", it would fire ~300 ms after the return.
  const armed = await orch!.invoke<{ returnedAt: number }>('timer', { arm: true, delayMs: 300 });
  await sleep(1500);
  const later = await orch!.invoke<{ firedAt: number | null }>('timer', {});
  expect(later.payload.firedAt).not.toBeNull();
  expect(later.payload.firedAt! - armed.payload.returnedAt).toBeGreaterThanOrEqual(1400);
});

it("has the memory limit without swap, the /tmp tmpfs and the read-only root, under the engine's cgroup parent", async () => {
  const r = await orch!.invoke<{ tmpSizeMb: number; writeRoot: string; writeTask: string; writeTmp: string; uid: number }>('isolation', {});
  const info = await docker()
    .getContainer(await containerOf(orch!, 'isolation'))
    .inspect();
  expect(info.HostConfig).toMatchObject({ Memory: 128 * 1024 * 1024, MemorySwap: 128 * 1024 * 1024, ReadonlyRootfs: true });
  expect(info.HostConfig.Tmpfs?.['/tmp']).toMatch(/size=512m/);
  expect(info.Config.Labels['orchestrator.instance']).toBe(orch!.instance.id);
  expect(r.payload).toMatchObject({ writeRoot: 'EROFS', writeTask: 'EROFS', writeTmp: 'ok', uid: 993 });
  expect(r.payload.tmpSizeMb).toBeGreaterThanOrEqual(500);
  // Not under the main engine's cgroups: Max Memory Used came through the stats API.
  expect(existsSync(`/sys/fs/cgroup/memory/docker/${info.Id}`)).toBe(false);
  expect(existsSync(`/sys/fs/cgroup/memory/${CGROUP_PARENT}/${info.Id}`)).toBe(true);
  expect(r.logTail).toMatch(/Memory Size: 128 MB\tMax Memory Used: [1-9]\d* MB/);
  expect(logs.text()).toContain(`isolation | END RequestId: ${r.requestId}`);
});

it('answers Sandbox.Timedout on a timeout and replaces the context', async () => {
  const r = await orch!.invoke('short', { sleepMs: 3000 });
  expect(r.functionError?.errorType).toBe('Sandbox.Timedout');
  expect(r.functionError?.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
  const next = await orch!.invoke<{ count: number }>('short', {});
  expect(next.coldStart).toBe(true);
  expect(next.payload.count).toBe(1);
});

it('stops a function at its memory limit with the cgroup OOM killer: Runtime.ExitError', async () => {
  const r = await orch!.invoke('hog', { mb: 512 });
  expect(r.functionError?.errorType).toBe('Runtime.ExitError');
  expect(r.functionError?.errorMessage).toMatch(/signal: killed/);
});

it('runs a provided-runtime function built on that engine', async () => {
  const r = await orch!.invoke('echo', { hello: 'engine 2' });
  expect(r.functionError).toBeUndefined();
  expect(r.payload).toEqual({ hello: 'engine 2' });
});

it("works over the engine's unix socket too, reusing the images; runtimeApiHost names the address when set", async () => {
  process.env.DOCKER_HOST = engine!.unixHost;
  const unixProgress: string[] = [];
  overUnix = await startOrchestrator({
    // What a CI job facing a Docker-in-Docker engine sets; here a name the engine's containers resolve
    // (host.docker.internal → its bridge gateway), with the Runtime API servers bound on that address.
    config: {
      settings: { runtimeApiHost: 'host.docker.internal', runtimeApiBind: GATEWAY, stemContexts: 0 },
      functions: { viaUnix: functions.isolation },
    },
    baseDir: FIXTURES,
    onProgress: (l) => unixProgress.push(l),
  });
  process.env.DOCKER_HOST = engine!.tcpHost;
  expect(unixProgress.filter((l) => /building|assembling/.test(l))).toEqual([]);
  const r = await overUnix.invoke<{ env: { runtimeApi: string } }>('viaUnix', {});
  expect(r.functionError).toBeUndefined();
  expect(r.payload.env.runtimeApi).toMatch(/^host\.docker\.internal:\d+$/);
  const id = await containerOf(overUnix, 'viaUnix');
  expect((await docker().getContainer(id).inspect()).Config.Labels['orchestrator.instance']).toBe(overUnix.instance.id);
});

it('`orchestrator down` with DOCKER_HOST=tcp:// removes the contexts on that engine; the orchestrators start new ones', async () => {
  const labelled = () => docker().listContainers({ all: true, filters: { label: ['orchestrator.function'] } });
  const before = (await labelled()).length;
  expect(before).toBeGreaterThanOrEqual(2);
  const down = await cli(['down'], { ...process.env, DOCKER_HOST: engine!.tcpHost });
  expect(down.stderr).toBe('');
  expect(down.stdout).toBe(`removed ${before} container(s)\n`);
  expect(await labelled()).toEqual([]);
  const again = await overUnix!.invoke('viaUnix', {});
  expect(again.functionError).toBeUndefined();
  expect(again.coldStart).toBe(true);
  const warm = await orch!.invoke<{ count: number }>('reuse', {});
  expect(warm.coldStart).toBe(true);
  expect(warm.payload.count).toBe(1);
});
