import net from 'node:net';
import type { FunctionConfig } from '../../src/config/types';
import { ResourceNotFoundException } from '../../src/errors';
import type { InvokeApiInvoker } from '../../src/invoke-api/server';
import { fnConfig } from '../helpers/fake-member';

/** What a raw client saw: the first response (if any), whether the server closed the connection. */
export interface RawResult {
  status?: number;
  headers: Record<string, string>;
  body: string;
  closedByServer: boolean;
  error?: string;
}

export interface RawOptions {
  /** Close our side right after writing (an abort when the bytes are a cut-off request). */
  abortAfterWrite?: boolean;
  /** Stop waiting for an answer after this (a held GET /next, a cut-off body kept open). */
  waitMs?: number;
  /** After the answer, wait for the server to close the connection (within waitMs). */
  untilClosed?: boolean;
}

/** Sends bytes as they are (no client-side checks) and reads one HTTP/1.1 response by hand. */
export function rawRequest(port: number, bytes: Buffer | string, opts: RawOptions = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let done = false;
    let closedByServer = false;
    let error: string | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parse(data), closedByServer, error });
    };
    const timer = setTimeout(finish, opts.waitMs ?? 5000);
    const head = bytes.slice(0, 5).toString() === 'HEAD ';
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (complete(data, head) && !opts.untilClosed) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('close', () => {
      if (!done && !opts.abortAfterWrite) closedByServer = true;
      finish();
    });
    socket.write(bytes, () => {
      if (opts.abortAfterWrite) socket.destroy();
    });
  });
}

function split(data: Buffer): { head: string; body: Buffer } | undefined {
  // An interim 100 Continue (to Expect: 100-continue) comes before the answer.
  while (/^HTTP\/1\.1 1\d\d /.test(data.subarray(0, 13).toString('latin1'))) {
    const interimEnd = data.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    data = data.subarray(interimEnd + 4);
  }
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return { head: data.subarray(0, end).toString('latin1'), body: data.subarray(end + 4) };
}

function complete(data: Buffer, head: boolean): boolean {
  const parts = split(data);
  if (!parts) return false;
  if (head) return true;
  const m = /\r\ncontent-length: *(\d+)/i.exec(parts.head);
  if (m) return parts.body.length >= Number(m[1]);
  if (/\r\ntransfer-encoding: *chunked/i.test(parts.head)) return parts.body.includes('0\r\n\r\n');
  return /^HTTP\/1\.1 (204|304)/.test(parts.head);
}

function parse(data: Buffer): Pick<RawResult, 'status' | 'headers' | 'body'> {
  const parts = split(data);
  if (!parts) return { headers: {}, body: '' };
  const [statusLine, ...lines] = parts.head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: parts.body.toString('utf8') };
}

/** An HTTP/1.1 request as bytes, with Content-Length of the whole body unless told otherwise. */
export function httpRequest(
  method: string,
  path: string,
  body: Buffer | string = '',
  headers: Record<string, string> = {},
  declaredLength?: number,
): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const all: Record<string, string> = { host: 'localhost', 'content-length': String(declaredLength ?? b.length), ...headers };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

/** Collects what reaches process-level handlers while a test runs: none of it may happen. */
export class ProcessFaults {
  readonly seen: string[] = [];
  private readonly onError = (err: unknown) => this.seen.push(`${(err as Error)?.stack ?? String(err)}`);

  install(): void {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
  }

  uninstall(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
  }
}

export function fakeFunction(name: string): FunctionConfig {
  return fnConfig(name, { codeDir: `/code/${name}` });
}

/** An invoker that answers at once: the payload back, or a failure when asked to. */
export function fakeInvoker(names: string[]): InvokeApiInvoker & { calls: string[] } {
  const fns = new Map(names.map((n) => [n, fakeFunction(n)]));
  const calls: string[] = [];
  return {
    calls,
    all: () => fns.values(),
    fn: (name: string) => {
      const fn = fns.get(name);
      if (!fn) throw new ResourceNotFoundException(name);
      return fn;
    },
    invoke: async (fn, opts) => {
      calls.push(`invoke ${fn.name}`);
      if (opts.payload.toString('utf8') === '"explode"') throw new Error('boom');
      return { payload: opts.payload, coldStart: false, logTail: opts.tail ? 'dGFpbA==' : undefined } as never;
    },
    invokeEvent: (fn, opts) => {
      calls.push(`event ${fn.name}`);
      return opts.requestId ?? 'id';
    },
  };
}
