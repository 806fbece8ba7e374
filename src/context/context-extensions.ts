import { LOCAL_ACCOUNT_ID } from '../config/account';
import type { FunctionConfig } from '../config/types';
import { ExtensionsApi } from '../extensions/extensions-api';
import { TelemetryApi } from '../extensions/telemetry';
import { logEvent, type TelemetryEvent } from '../extensions/telemetry-events';
import type { InvokeInput, ShutdownReason } from '../extensions/types';
import { LATEST_VERSION } from '../lambda-limits';

/**
 * The other parties of a context's lifecycle, besides the runtime: Lambda's extensions (external
 * ones started from /opt/extensions by the launcher, internal ones registered by the runtime) and
 * the Telemetry API subscribers they make. With none registered, each phase costs nothing.
 */
export class ContextExtensions {
  readonly api: ExtensionsApi;
  readonly telemetry = new TelemetryApi();

  constructor(fn: FunctionConfig, externalNames: readonly string[]) {
    this.api = new ExtensionsApi({
      fn: { functionName: fn.name, functionVersion: LATEST_VERSION, handler: fn.handler, accountId: LOCAL_ACCOUNT_ID },
      externalNames,
      telemetry: this.telemetry,
    });
  }

  get any(): boolean {
    return this.api.registered().length > 0;
  }

  /** The init ends when every registered extension has asked for its first event too. */
  initDone(): Promise<void> {
    return this.api.initDone();
  }

  /** INVOKE to the extensions; undefined when none is registered (nothing to wait for). */
  invoke(input: InvokeInput): Promise<void> | undefined {
    return this.any ? this.api.invoke(input) : undefined;
  }

  /** Lambda's Shutdown budget: 0 ms without extensions, 500 ms with internal ones only, 2,000 ms with external ones. */
  shutdownLimitMs(): number {
    return this.any ? this.api.shutdownLimitMs() : 0;
  }

  /** SHUTDOWN to the extensions, and the telemetry still buffered out, within `limitMs`. */
  async shutdown(reason: ShutdownReason, limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    await Promise.race([
      Promise.all([this.api.shutdown(reason, deadline), this.telemetry.flush().catch(() => undefined)]),
      new Promise((r) => setTimeout(r, limitMs).unref()),
    ]);
  }

  /** Built only when an extension subscribed to telemetry: most contexts have none, and invocations pay nothing. */
  emit(make: () => TelemetryEvent): void {
    if (this.telemetry.hasSubscribers) this.telemetry.emit(make());
  }

  functionLine(line: string, format: 'Text' | 'JSON'): void {
    this.emit(() => logEvent('function', Date.now(), line, format));
  }

  extensionLine(line: string, format: 'Text' | 'JSON'): void {
    this.emit(() => logEvent('extension', Date.now(), line, format));
  }

  close(): void {
    this.api.close();
  }
}
