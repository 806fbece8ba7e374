import { readFileSync } from 'node:fs';

/** Invokes through the API; exit 1 on a function error. */
export async function invokeCommand(name: string, o: { payload: string; endpoint: string; log?: boolean }): Promise<void> {
  const payload = o.payload.startsWith('@') ? readFileSync(o.payload.slice(1), 'utf8') : o.payload;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.log) headers['x-amz-log-type'] = 'Tail';
  const url = `${o.endpoint.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`;
  const res = await fetch(url, { method: 'POST', headers, body: payload }).catch((err: Error) => {
    throw new Error(
      `cannot reach ${o.endpoint}: ${(err.cause as Error | undefined)?.message ?? err.message} (is \`orchestrator up\` running?)`,
    );
  });
  const body = await res.text();
  if (o.log && res.headers.get('x-amz-log-result')) {
    process.stderr.write(Buffer.from(res.headers.get('x-amz-log-result')!, 'base64').toString('utf8'));
  }
  if (res.status !== 200) {
    throw new Error(`${res.headers.get('x-amzn-errortype') ?? res.status}: ${body}`);
  }
  process.stdout.write(`${body}\n`);
  if (res.headers.get('x-amz-function-error')) process.exitCode = 1;
}
