import { randomUUID } from 'node:crypto';
import { apiError, type ApiError } from '../http/api-errors';
import { MAX_EXTENSIONS } from './limits';
import {
  EXTENSION_EVENT_TYPES,
  type ExtensionEvent,
  type ExtensionEventType,
  type ExtensionState,
  type RegisteredExtension,
} from './types';

/** One extension's standing with the Extensions API. */
export interface ExtensionRecord {
  readonly id: string;
  readonly name: string;
  readonly external: boolean;
  readonly events: ReadonlySet<ExtensionEventType>;
  state: ExtensionState;
  /** Answers its held GET /event/next, while it waits there. */
  waiter: ((event: ExtensionEvent) => void) | undefined;
  /** An event for it that it has not asked for yet. */
  queued: ExtensionEvent | undefined;
  /** The event it was last handed and has not finished (asked /next again) yet. */
  current: ExtensionEvent | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lambda's error types and messages (its Runtime API server's constants). */
export const ERR = {
  nameInvalid: (): ApiError => apiError(403, 'Extension.InvalidExtensionName', 'Empty extension name'),
  closed: (): ApiError => apiError(403, 'Extension.RegistrationClosed', 'Extension registration closed already'),
  duplicate: (): ApiError => apiError(403, 'Extension.InvalidExtensionState', 'Extension with this name already registered'),
  tooMany: (): ApiError => apiError(403, 'Extension.TooManyExtensions', `Extension limit (${MAX_EXTENSIONS}) reached`),
  format: (message: string): ApiError => apiError(403, 'InvalidRequestFormat', message),
  eventType: (message: string): ApiError => apiError(403, 'Extension.InvalidEventType', message),
  idMissing: (): ApiError => apiError(403, 'Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header'),
  idInvalid: (): ApiError => apiError(403, 'Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier'),
  idUnknown: (id: string): ApiError => apiError(403, 'Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`),
  missingHeader: (header: string): ApiError => apiError(403, 'Extension.MissingHeader', `${header} not found`),
  state: (ext: ExtensionRecord, to: string, why: string): ApiError =>
    apiError(
      403,
      'Extension.InvalidExtensionState',
      `State transition from ${STATE_NAMES[ext.state]} to ${to} failed for extension ${ext.id}. Error: ${why}`,
    ),
};

/** Lambda's names for the states, as its error messages print them. */
export const STATE_NAMES: Record<ExtensionState, string> = {
  registered: 'Registered',
  ready: 'Ready',
  running: 'Running',
  'shut-down': 'Running',
  'init-error': 'InitError',
  'exit-error': 'ExitError',
};

/** The extensions of one context, by identifier; registration closes once the init is over. */
export class Registry {
  private readonly byId = new Map<string, ExtensionRecord>();
  private open = true;

  constructor(private readonly isExternal: (name: string) => boolean) {}

  get registrationOpen(): boolean {
    return this.open;
  }

  close(): void {
    this.open = false;
  }

  all(): ExtensionRecord[] {
    return [...this.byId.values()];
  }

  /** Registers `name` for the events of a register body (already parsed as JSON), or says why not. */
  register(name: string | undefined, body: unknown): ExtensionRecord | ApiError {
    if (!name) return ERR.nameInvalid();
    const events = parseEvents(body);
    if ('status' in events) return events;
    const external = this.isExternal(name);
    for (const e of events) {
      // Internal extensions run inside the runtime process, which Lambda stops itself.
      if (e === 'SHUTDOWN' && !external) return ERR.eventType(`${e}: ShutdownEventNotSupportedForInternalExtension`);
    }
    if (!this.open) return ERR.closed();
    if (this.all().some((x) => x.name === name)) return ERR.duplicate();
    if (this.byId.size >= MAX_EXTENSIONS) return ERR.tooMany();
    const record: ExtensionRecord = {
      id: randomUUID(),
      name,
      external,
      events: new Set(events),
      state: 'registered',
      waiter: undefined,
      queued: undefined,
      current: undefined,
    };
    this.byId.set(record.id, record);
    return record;
  }

  /** The extension a request's Lambda-Extension-Identifier names, or Lambda's 403. */
  find(id: string | undefined): ExtensionRecord | ApiError {
    if (!id) return ERR.idMissing();
    if (!UUID.test(id)) return ERR.idInvalid();
    return this.byId.get(id.toLowerCase()) ?? ERR.idUnknown(id);
  }
}

export function describe(x: ExtensionRecord): RegisteredExtension {
  return { id: x.id, name: x.name, external: x.external, events: [...x.events], state: x.state };
}

function parseEvents(body: unknown): ExtensionEventType[] | ApiError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ERR.format('the body must be a JSON object');
  const { events, configurationKeys } = body as { events?: unknown; configurationKeys?: unknown };
  if (Array.isArray(configurationKeys) && configurationKeys.length > 0) {
    return ERR.format('configurationKeys are deprecated; use environment variables instead');
  }
  if (events === undefined || events === null) return [];
  if (!Array.isArray(events)) return ERR.format('events must be an array of strings');
  const out: ExtensionEventType[] = [];
  for (const e of events) {
    if (typeof e !== 'string' || !(EXTENSION_EVENT_TYPES as readonly string[]).includes(e)) {
      return ERR.eventType(`${String(e)}: ErrorInvalidEventType`);
    }
    if (!out.includes(e as ExtensionEventType)) out.push(e as ExtensionEventType);
  }
  return out;
}
