/** A fake Transport for the runtime's invoke loop: records requests, serves queued events. */
import { runtimeModule } from './runtime-modules';

const { RapidClient } = runtimeModule('rapid-client.js');
const { Runtime } = runtimeModule('runtime.js');
const { handlerMetadata } = runtimeModule('user-function.js');

export interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Harness {
  sent: Sent[];
  markers: string[];
  logged: Array<[string, unknown]>;
  runtime: any;
  /** Resolves with the exit code once the runtime exits (after the queued events run out). */
  exited: Promise<number>;
  env: Record<string, string | undefined>;
}

export function event(id: string, body: unknown, headers: Record<string, string> = {}) {
  return {
    status: 200,
    headers: {
      'lambda-runtime-aws-request-id': id,
      'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
      'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:f',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export function runHandler(
  handler: Function,
  events: ReturnType<typeof event>[],
  options: { node24?: boolean; openStream?: Function } = {},
): Harness {
  const sent: Sent[] = [];
  const markers: string[] = [];
  const logged: Array<[string, unknown]> = [];
  const queue = [...events];
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const transport = {
    exchange(requests: Sent[]) {
      sent.push(...requests);
      return requests.map((r) => {
        if (!r.path.endsWith('/invocation/next')) return { status: 202, headers: {}, body: '' };
        const next = queue.shift();
        if (!next) throw new Error('no more events');
        return next;
      });
    },
    openStream:
      options.openStream ??
      (() => {
        throw new Error('not a streaming test');
      }),
  };
  const env: Record<string, string | undefined> = {
    AWS_LAMBDA_FUNCTION_NAME: 'f',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/f',
    AWS_LAMBDA_LOG_STREAM_NAME: 'stream',
  };
  const runtime = new Runtime({
    client: new RapidClient(transport),
    handler,
    metadata: handlerMetadata(handler),
    node24: options.node24 ?? false,
    logger: { logError: (what: string, err: unknown) => logged.push([what, err]) },
    env,
    endMarker: (id: string) => markers.push(id),
    whenStdioFlushed: (done: () => void) => done(),
    setRequestContext: () => undefined,
    reportFailure: () => undefined,
    exit: (code: number) => exit(code),
  });
  runtime.start();
  return { sent, markers, logged, runtime, exited, env };
}

/** The POSTs of results, as [path, parsed body]. */
export function results(sent: Sent[]): Array<[string, any]> {
  return sent
    .filter((r) => r.method === 'POST')
    .map((r) => [r.path.replace('/2018-06-01/runtime/invocation/', ''), JSON.parse(r.body ?? 'null')]);
}
