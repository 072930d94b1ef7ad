// TypeScript declarations of api-client.js. Give the client a route's action map, generated
// by `manage.py asyncapi --typescript`, and each request is checked and its data typed:
//
//   import { ApiClient } from "/static/js/api-client.js";
//   import type { Routes } from "./api-types";
//   const api = new ApiClient<Routes["/ws/users/"]>(ApiClient.urlFor("/ws/users/"));
//   const user = await api.request("retrieve", { pk: 2 }); // user.username: string
//
// Without one, any action and payload are accepted and the data is `unknown`.

/** The envelope of every reply and push. */
export interface Reply<Data = unknown> {
  action: string | null;
  request_id: unknown;
  response_status: number;
  data: Data;
  errors: unknown[];
}

/** What one action sends (its payload, without `action` and `request_id`), its reply's
 * data, and the pushes of a subscription. */
export interface ActionTypes {
  payload: object;
  data: unknown;
  push?: unknown;
}

/** A route's actions by name. */
export type ActionMap<Actions> = { [Name in keyof Actions]: ActionTypes };

/** The action map of a client that was given none. */
export interface AnyActions {
  [action: string]: { payload: Record<string, unknown>; data: unknown; push: Reply };
}

type WithRequestId<Payload> = Payload & { request_id?: unknown };
type Optional<Payload> = {} extends Payload ? true : false;
type PushOf<Types> = Types extends { push: infer Push } ? ([Push] extends [never] ? Reply : Push) : Reply;

export type RequestArgs<Payload> = Optional<Payload> extends true
  ? [payload?: WithRequestId<Payload>, options?: RequestOptions]
  : [payload: WithRequestId<Payload>, options?: RequestOptions];

export type SubscribeArgs<Payload, Push> = Optional<Payload> extends true
  ? [payload?: WithRequestId<Payload>, onEvent?: (push: Push) => void]
  : [payload: WithRequestId<Payload>, onEvent?: (push: Push) => void];

/** A reply with a status of 400 or more. */
export class ApiError extends Error {
  constructor(reply: Reply);
  readonly status: number;
  readonly errors: unknown[];
  readonly reply: Reply;
}

/** No reply came within the request's timeout. */
export class TimeoutError extends Error {
  constructor(action: string, timeout: number);
}

/** The connection closed before the reply came, or the client is closed or full. */
export class ConnectionError extends Error {
  constructor(message: string);
}

/** The server ended the connection because its session or token ended (close code 4401). */
export class SessionEndedError extends ConnectionError {
  constructor();
}

export const CLOSE_CODES: Readonly<{ SESSION_ENDED: 4401 }>;

export const STATES: Readonly<{
  IDLE: "idle";
  CONNECTING: "connecting";
  OPEN: "open";
  RECONNECTING: "reconnecting";
  SIGNED_OUT: "signed-out";
  CLOSED: "closed";
}>;

export type State = (typeof STATES)[keyof typeof STATES];

export interface ApiClientOptions {
  /** Milliseconds a request waits for its reply (10000). */
  timeout?: number;
  /** Requests that may wait for an open socket (50). */
  maxQueue?: number;
  /** Reconnection backoff: first delay (500 ms), cap (15000 ms), factor (2), jitter (0.5). */
  initialDelay?: number;
  maxDelay?: number;
  factor?: number;
  jitter?: number;
  /** A WebSocket implementation, for Node or tests. */
  WebSocket?: new (url: string, protocols?: string | string[]) => WebSocket;
  random?: () => number;
  now?: () => number;
  /** A DRF token key, sent in Sec-WebSocket-Protocol: ["token", key]. */
  token?: string | null;
}

export interface RequestOptions {
  timeout?: number;
}

export interface FrameDetail {
  direction: "sent" | "received";
  text: string;
  message?: Record<string, unknown>;
  reply?: Reply | null;
  elapsed?: number | null;
}

export interface ApiClientEventMap {
  state: CustomEvent<{ state: State; attempt: number }>;
  frame: CustomEvent<FrameDetail>;
  reconnect: CustomEvent<{ delay: number; attempt: number }>;
  push: CustomEvent<Reply>;
  "session-ended": CustomEvent<{ code: number }>;
}

export class ApiClient<Actions extends ActionMap<Actions> = AnyActions> extends EventTarget {
  /** The ws: or wss: URL for a path on the page's own host. */
  static urlFor(path: string, location?: { protocol: string; host: string }): string;

  constructor(url: string, options?: ApiClientOptions);

  readonly url: string;
  readonly options: Readonly<ApiClientOptions>;
  readonly state: State;

  /** Open the socket (again, after close() or once signed in again). */
  connect(): void;
  /** Replace the connection now, keeping subscriptions and the queue. */
  reconnect(): void;
  /** Close for good, rejecting every pending request. */
  close(): void;

  /** Send `{action, request_id, ...payload}`; resolves with the reply's `data`. */
  request<Name extends keyof Actions & string>(
    action: Name,
    ...args: RequestArgs<Actions[Name]["payload"]>
  ): Promise<Actions[Name]["data"]>;

  /** Send a subscribing request now and after every reconnect; `onEvent` gets each push. */
  subscribe<Name extends keyof Actions & string>(
    action: Name,
    ...args: SubscribeArgs<Actions[Name]["payload"], PushOf<Actions[Name]>>
  ): Promise<Actions[Name]["data"]>;

  /** Stop renewing a subscription; send the matching unsubscribe request yourself. */
  forgetSubscription(requestId: unknown): void;

  addEventListener<Type extends keyof ApiClientEventMap>(
    type: Type,
    listener: (event: ApiClientEventMap[Type]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<Type extends keyof ApiClientEventMap>(
    type: Type,
    listener: (event: ApiClientEventMap[Type]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}
