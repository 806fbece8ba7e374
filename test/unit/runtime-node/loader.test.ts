import { runtimeModule, TASK_ROOT } from './runtime-modules';

const { loadHandler, handlerMetadata } = runtimeModule('user-function.js');
const { loadFunction } = runtimeModule('init.js');
const { streamifyResponse } = runtimeModule('awslambda-global.js');
const { usesNode24Rules } = runtimeModule('node-rules.js');

async function loadError(handler: string): Promise<Error> {
  try {
    await loadHandler(TASK_ROOT, handler);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${handler} loaded`);
}

// jest's module system differs from Node's (no import() of ESM, its own SyntaxError realm and
// resolve messages): ESM, syntax errors and exact messages are checked in smoke.test.ts.
describe('handler loading', () => {
  it('resolves module.export paths, nested exports and module roots', async () => {
    expect(await (await loadHandler(TASK_ROOT, 'index.handler'))({ a: 1 }, { awsRequestId: 'r' })).toEqual({
      echo: { a: 1 },
      requestId: 'r',
    });
    expect(await (await loadHandler(TASK_ROOT, 'index.nested.deeper.handler'))()).toBe('nested');
    expect(await (await loadHandler(TASK_ROOT, 'lib/app.main'))()).toBe('lib/app');
    expect(await (await loadHandler(TASK_ROOT, 'common.handler'))()).toBe('cjs');
    expect(await (await loadHandler(TASK_ROOT, 'pkg.handler'))()).toBe('from node_modules');
  });

  it.each([
    [
      'malformed..handler',
      'Runtime.MalformedHandlerName',
      "'malformed..handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    ],
    ['nodot', 'Runtime.MalformedHandlerName', 'Bad handler'],
    ['index.missing', 'Runtime.HandlerNotFound', 'index.missing is undefined or not exported'],
    ['index.notAFunction', 'Runtime.HandlerNotFound', 'index.notAFunction is not a function'],
  ])('%s fails with %s', async (handler, name, message) => {
    const err = await loadError(handler);
    expect(err.name).toBe(name);
    expect(err.message).toBe(message);
  });

  it('a missing module or dependency is Runtime.ImportModuleError', async () => {
    const missing = await loadError('nothere.handler');
    expect(missing.name).toBe('Runtime.ImportModuleError');
    expect(missing.message).toMatch(/Cannot (find|resolve) module 'nothere'/);
    const dep = await loadError('missing-dep.handler');
    expect(dep.name).toBe('Runtime.ImportModuleError');
    expect(dep.message).toMatch(/Cannot find module 'not-installed-anywhere'/);
  });

  it('an error thrown by init code comes out as it is', async () => {
    const err = await loadError('throws.handler');
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('init went wrong');
  });

  it('metadata: async, number of parameters, streaming and its highWaterMark', () => {
    const plain = handlerMetadata(async (_e: unknown) => 1);
    expect(plain).toEqual({ streaming: false, highWaterMark: undefined, isAsync: true, argsNum: 1 });
    const streaming = handlerMetadata(
      streamifyResponse(async (_e: unknown, _s: unknown, _c: unknown) => undefined, { highWaterMark: 512 }),
    );
    expect(streaming).toEqual({ streaming: true, highWaterMark: 512, isAsync: true, argsNum: 3 });
    const bad = () => undefined;
    (bad as any)[Symbol.for('aws.lambda.runtime.handler.streaming')] = 'request';
    expect(() => handlerMetadata(bad)).toThrow('Only response streaming is supported.');
  });
});

describe('nodejs24.x rules', () => {
  it('apply from AWS_EXECUTION_ENV, else from the Node.js major version', () => {
    expect(usesNode24Rules({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' }, 'v20.1.0')).toBe(true);
    expect(usesNode24Rules({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' }, 'v24.1.0')).toBe(false);
    expect(usesNode24Rules({}, 'v24.22.3')).toBe(true);
    expect(usesNode24Rules({}, 'v22.23.5')).toBe(false);
  });

  it('a handler with a callback parameter fails init with Runtime.CallbackHandlerDeprecated, async or not', async () => {
    for (const handlerString of ['index.callbackStyle', 'index.asyncThreeArgs']) {
      const err = await loadFunction({ taskRoot: TASK_ROOT, handlerString, node24: true }).catch((e: Error) => e);
      expect(err.name).toBe('Runtime.CallbackHandlerDeprecated');
      expect(err.message).toBe(
        'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
      );
    }
  });

  it('two-parameter and streaming handlers load on nodejs24.x; callback handlers still load on 20/22', async () => {
    await expect(loadFunction({ taskRoot: TASK_ROOT, handlerString: 'index.handler', node24: true })).resolves.toBeDefined();
    await expect(loadFunction({ taskRoot: TASK_ROOT, handlerString: 'index.callbackStyle', node24: false })).resolves.toBeDefined();
  });
});
