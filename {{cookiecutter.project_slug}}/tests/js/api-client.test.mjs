// Unit tests for static/js/api-client.js: run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import {
  ApiClient,
  ApiError,
  CLOSE_CODES,
  ConnectionError,
  SessionEndedError,
  STATES,
  TimeoutError,
} from "../../static/js/api-client.js";

class FakeWebSocket {
  static instances = [];

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.sent = [];
    this.closedWith = null;
    FakeWebSocket.instances.push(this);
  }

  static get last() {
    return FakeWebSocket.instances.at(-1);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code) {
    this.closedWith = code;
  }

  // Test controls: what the server would do.
  open() {
    this.onopen?.({});
  }

  reply(request, fields = {}) {
    const envelope = {
      action: request.action,
      request_id: request.request_id,
      response_status: 200,
      data: null,
      errors: [],
      ...fields,
    };
    this.onmessage?.({ data: JSON.stringify(envelope) });
  }

  drop(code = 1006) {
    this.onclose?.({ code });
  }
}

function makeClient(options = {}) {
  return new ApiClient("ws://test/ws/users/", {
    WebSocket: FakeWebSocket,
    random: () => 0,
    now: () => 0,
    ...options,
  });
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  mock.timers.enable({ apis: ["setTimeout"] });
});

afterEach(() => {
  mock.timers.reset();
});

describe("correlation", () => {
  test("each reply settles the request with the same request_id, in any order", async () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    const first = client.request("retrieve", { pk: 1 });
    const second = client.request("retrieve", { pk: 2 });
    const [sentFirst, sentSecond] = FakeWebSocket.last.sent;
    assert.notEqual(sentFirst.request_id, sentSecond.request_id);
    FakeWebSocket.last.reply(sentSecond, { data: { id: 2 } });
    FakeWebSocket.last.reply(sentFirst, { data: { id: 1 } });
    assert.deepEqual(await first, { id: 1 });
    assert.deepEqual(await second, { id: 2 });
  });

  test("an error status rejects with the status and the errors", async () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    const request = client.request("create", { data: {} });
    const sent = FakeWebSocket.last.sent[0];
    FakeWebSocket.last.reply(sent, { response_status: 400, errors: [{ username: ["Required."] }] });
    await assert.rejects(request, (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 400);
      assert.deepEqual(error.errors, [{ username: ["Required."] }]);
      return true;
    });
  });

  test("a caller's own request_id is used and echoed", async () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    const request = client.request("list", { request_id: 15050500 });
    assert.equal(FakeWebSocket.last.sent[0].request_id, 15050500);
    FakeWebSocket.last.reply(FakeWebSocket.last.sent[0], { data: [] });
    assert.deepEqual(await request, []);
  });
});

describe("timeout", () => {
  test("a request without a reply rejects after its timeout", async () => {
    const client = makeClient({ timeout: 1000 });
    client.connect();
    FakeWebSocket.last.open();
    const request = client.request("list");
    mock.timers.tick(999);
    let settled = false;
    request.catch(() => {}).finally(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    mock.timers.tick(1);
    await assert.rejects(request, TimeoutError);
    assert.equal(client.pending.size, 0);
  });

  test("a reply after the timeout is passed on as a push, not to the caller", async () => {
    const client = makeClient({ timeout: 10 });
    client.connect();
    FakeWebSocket.last.open();
    const pushes = [];
    client.addEventListener("push", (event) => pushes.push(event.detail));
    const request = client.request("list");
    mock.timers.tick(10);
    await assert.rejects(request, TimeoutError);
    FakeWebSocket.last.reply(FakeWebSocket.last.sent[0], { data: [] });
    assert.equal(pushes.length, 1);
  });
});

describe("queueing", () => {
  test("requests made before the socket opens are sent, in order, once it opens", async () => {
    const client = makeClient();
    client.connect();
    const first = client.request("list");
    const second = client.request("retrieve", { pk: 3 });
    assert.equal(FakeWebSocket.last.sent.length, 0);
    FakeWebSocket.last.open();
    assert.deepEqual(
      FakeWebSocket.last.sent.map((message) => message.action),
      ["list", "retrieve"],
    );
    for (const message of FakeWebSocket.last.sent) FakeWebSocket.last.reply(message, { data: message.action });
    assert.equal(await first, "list");
    assert.equal(await second, "retrieve");
  });

  test("beyond maxQueue a request is rejected at once", async () => {
    const client = makeClient({ maxQueue: 2 });
    client.connect();
    client.request("list").catch(() => {});
    client.request("list").catch(() => {});
    await assert.rejects(client.request("list"), ConnectionError);
  });

  test("a queued request's timeout runs while it waits", async () => {
    const client = makeClient({ timeout: 50 });
    client.connect();
    const request = client.request("list");
    mock.timers.tick(50);
    await assert.rejects(request, TimeoutError);
    FakeWebSocket.last.open();
    assert.equal(FakeWebSocket.last.sent.length, 0);
  });
});

describe("reconnect", () => {
  test("reconnects after an unexpected close with capped exponential backoff", () => {
    const client = makeClient({ initialDelay: 100, maxDelay: 500, factor: 2, jitter: 0.5 });
    const delays = [];
    client.addEventListener("reconnect", (event) => delays.push(event.detail.delay));
    client.connect();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      FakeWebSocket.last.drop();
      assert.equal(client.state, STATES.RECONNECTING);
      mock.timers.tick(delays.at(-1));
    }
    assert.deepEqual(delays, [100, 200, 400, 500, 500]);
    assert.equal(FakeWebSocket.instances.length, 6);
  });

  test("jitter shortens each delay by up to its fraction", () => {
    const client = makeClient({ initialDelay: 1000, jitter: 0.5, random: () => 1 });
    const delays = [];
    client.addEventListener("reconnect", (event) => delays.push(event.detail.delay));
    client.connect();
    FakeWebSocket.last.drop();
    assert.deepEqual(delays, [500]);
  });

  test("a successful open resets the backoff", () => {
    const client = makeClient({ initialDelay: 100 });
    const delays = [];
    client.addEventListener("reconnect", (event) => delays.push(event.detail.delay));
    client.connect();
    FakeWebSocket.last.drop();
    mock.timers.tick(100);
    FakeWebSocket.last.drop();
    mock.timers.tick(200);
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    assert.deepEqual(delays, [100, 200, 100]);
  });

  test("requests in flight fail on a drop; queued ones go out after the reconnect", async () => {
    const client = makeClient({ initialDelay: 10 });
    client.connect();
    FakeWebSocket.last.open();
    const inFlight = client.request("delete", { pk: 1 });
    FakeWebSocket.last.drop();
    await assert.rejects(inFlight, ConnectionError);
    const queued = client.request("list");
    mock.timers.tick(10);
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.sent.map((message) => message.action), ["list"]);
    FakeWebSocket.last.reply(FakeWebSocket.last.sent[0], { data: [] });
    assert.deepEqual(await queued, []);
  });

  test("subscriptions are renewed with the same request_id after a reconnect", async () => {
    const client = makeClient({ initialDelay: 10 });
    const pushes = [];
    client.connect();
    FakeWebSocket.last.open();
    const subscribed = client.subscribe("subscribe_instance", { pk: 7 }, (push) => pushes.push(push));
    const original = FakeWebSocket.last.sent[0];
    FakeWebSocket.last.reply(original, { response_status: 201 });
    await subscribed;
    FakeWebSocket.last.reply(original, { action: "update", data: { id: 7 } });
    FakeWebSocket.last.drop();
    mock.timers.tick(10);
    FakeWebSocket.last.open();
    const renewed = FakeWebSocket.last.sent[0];
    assert.equal(renewed.action, "subscribe_instance");
    assert.equal(renewed.request_id, original.request_id);
    assert.equal(renewed.pk, 7);
    assert.deepEqual(pushes.map((push) => push.action), ["update"]);
  });

  test("reconnect() opens a new socket at once and renews subscriptions there", async () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    const subscribed = client.subscribe("subscribe_list", {}, () => {});
    FakeWebSocket.last.reply(FakeWebSocket.last.sent[0], { response_status: 403 });
    await assert.rejects(subscribed, ApiError);
    const first = FakeWebSocket.last;
    client.reconnect();
    assert.equal(first.closedWith, 1000);
    assert.equal(FakeWebSocket.instances.length, 2);
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.sent.map((message) => message.action), ["subscribe_list"]);
    first.drop(1000);
    mock.timers.tick(60000);
    assert.equal(FakeWebSocket.instances.length, 2);
  });

  test("close() rejects everything pending and stops reconnecting", async () => {
    const client = makeClient({ initialDelay: 10 });
    client.connect();
    FakeWebSocket.last.open();
    const pending = client.request("list");
    client.close();
    await assert.rejects(pending, ConnectionError);
    assert.equal(FakeWebSocket.last.closedWith, 1000);
    FakeWebSocket.last.drop(1000);
    mock.timers.tick(10000);
    assert.equal(FakeWebSocket.instances.length, 1);
    assert.equal(client.state, STATES.CLOSED);
    await assert.rejects(client.request("list"), ConnectionError);
  });
});

describe("session end", () => {
  test("close code 4401 rejects what is pending, stops reconnecting and says signed-out", async () => {
    const client = makeClient();
    const ended = [];
    client.addEventListener("session-ended", (event) => ended.push(event.detail.code));
    client.connect();
    FakeWebSocket.last.open();
    const pending = client.request("list");
    FakeWebSocket.last.drop(CLOSE_CODES.SESSION_ENDED);
    await assert.rejects(pending, SessionEndedError);
    assert.equal(client.state, STATES.SIGNED_OUT);
    assert.deepEqual(ended, [4401]);
    mock.timers.tick(60_000);
    assert.equal(FakeWebSocket.instances.length, 1);
    await assert.rejects(client.request("list"), SessionEndedError);
  });

  test("connect() after signing in again opens a new socket", () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop(CLOSE_CODES.SESSION_ENDED);
    client.connect();
    assert.equal(FakeWebSocket.instances.length, 2);
    FakeWebSocket.last.open();
    assert.equal(client.state, STATES.OPEN);
  });

  test("any other close still reconnects", () => {
    const client = makeClient();
    client.connect();
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop(1011);
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.instances.length, 2);
  });
});

describe("token", () => {
  test("a token goes in the subprotocols, never in the URL", () => {
    const client = makeClient({ token: "abc123" });
    client.connect();
    assert.deepEqual(FakeWebSocket.last.protocols, ["token", "abc123"]);
    assert.equal(FakeWebSocket.last.url, "ws://test/ws/users/");
  });
});

describe("urlFor", () => {
  test("uses wss: on https pages and ws: on http pages", () => {
    assert.equal(
      ApiClient.urlFor("/ws/users/", { protocol: "https:", host: "api.example.com" }),
      "wss://api.example.com/ws/users/",
    );
    assert.equal(
      ApiClient.urlFor("/ws/users/", { protocol: "http:", host: "127.0.0.1:8000" }),
      "ws://127.0.0.1:8000/ws/users/",
    );
  });
});
