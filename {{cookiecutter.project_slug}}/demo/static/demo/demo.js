// The demo page: one ApiClient per WebSocket route, controls built from the actions each
// route's consumer offers, a users table fed by the replies, and a log of every frame.
import { ApiClient, ApiError } from "../js/api-client.js";

const routes = JSON.parse(document.getElementById("routes-data").textContent);
let session = JSON.parse(document.getElementById("session-data").textContent);

const $ = (selector) => document.querySelector(selector);
const users = new Map();
const clients = new Map(); // route path -> ApiClient
let currentRoute = routes[0]?.path;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Session

function showSession() {
  $("#who").textContent = session.authenticated
    ? `Signed in as ${session.username}${session.is_staff ? " (staff)" : ""}.`
    : "Not signed in: the API answers 403 until you sign in.";
  $("#sign-in").hidden = session.authenticated;
  $("#sign-out").hidden = !session.authenticated;
}

async function changeSession(method, body) {
  $("#session-error").textContent = "";
  const response = await fetch("/api/session/", {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json();
  if (!response.ok) {
    $("#session-error").textContent = (payload.errors || ["Could not change the session."]).join(" ");
    return;
  }
  session = payload;
  showSession();
  // A WebSocket keeps the user it was opened with: reconnect so the new session applies.
  for (const client of clients.values()) client.reconnect();
}

$("#sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  changeSession("POST", { username: form.get("username"), password: form.get("password") });
  event.target.reset();
});
$("#sign-out").addEventListener("click", () => changeSession("DELETE"));

// Routes and connection states

function stateBadge(path) {
  return document.querySelector(`.state[data-route="${CSS.escape(path)}"]`);
}

for (const route of routes) {
  const client = new ApiClient(ApiClient.urlFor(route.path));
  clients.set(route.path, client);
  const radio = element("input", {
    type: "radio",
    name: "route",
    value: route.path,
    checked: route.path === currentRoute,
  });
  radio.addEventListener("change", () => {
    currentRoute = route.path;
    buildActions();
  });
  const badge = element("span", { class: "state", "data-route": route.path, "data-state": "idle", text: "idle" });
  $("#routes").append(
    element("label", { class: "route" }, radio, element("code", { text: route.path }), ` ${route.consumer} `, badge),
  );
  client.addEventListener("state", (event) => {
    badge.dataset.state = event.detail.state;
    badge.textContent = event.detail.state;
  });
  client.addEventListener("frame", (event) => logFrame(route.path, event.detail));
  // The server closes a socket whose session ended (sign-out in another tab, a password
  // change, a deactivated account): show it, and reconnect only after the next sign-in.
  client.addEventListener("session-ended", () => {
    session = { authenticated: false, username: null, is_staff: false };
    showSession();
    $("#who").textContent = "Signed out: the session ended. Sign in again to continue.";
  });
  client.connect();
}

// Action controls

function fieldInput(field) {
  return element(
    "label",
    {},
    field.name + (field.optional ? " (optional)" : ""),
    element("input", {
      name: field.name,
      type: field.type || "text",
      required: !field.optional && field.type !== "checkbox",
      min: field.type === "number" ? 0 : undefined,
      autocomplete: field.type === "password" ? "new-password" : "off",
      "data-top": field.top ? "true" : undefined,
    }),
  );
}

// Each action's inputs come from the route description the page was served with: the
// lookup key, the paging keys, and the serializer's writable fields for the model actions.
// Each form links to its action on the docs page (when the project serves it), and shows the
// action's description.
const docsUrl = document.getElementById("docs-link")?.getAttribute("href");

function actionDocs(action) {
  if (!docsUrl && !action.description) return "";
  return element(
    "details",
    { class: "docs" },
    element("summary", { text: "About" }),
    action.description ? element("p", { text: action.description }) : "",
    docsUrl ? element("a", { href: `${docsUrl}#${action.operation}`, "data-docs": action.name, text: `Documentation of ${action.name}` }) : "",
  );
}

function actionForm(route, action) {
  const inputs = [];
  if (action.detail) inputs.push(fieldInput({ name: route.lookup, type: "text" }));
  for (const name of action.paging) inputs.push(fieldInput({ name, type: "number", optional: true, top: true }));
  for (const field of action.fields) inputs.push(fieldInput({ ...field, optional: !field.required }));
  if (!action.fields.length && action.data !== "none") {
    inputs.push(
      element("label", {}, "data (JSON)", element("textarea", { name: "__data", required: action.data === "required", value: "{}" })),
    );
  }
  const form = element(
    "form",
    { class: "action", "data-action": action.name },
    element("h3", {}, element("code", { text: action.name }), " ", element("small", { text: action.method })),
    actionDocs(action),
    element("div", { class: "fields" }, ...inputs, element("button", { type: "submit", text: `Send ${action.name}` })),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(route, action, form);
  });
  return form;
}

function buildActions() {
  const route = routes.find((candidate) => candidate.path === currentRoute);
  const container = $("#actions");
  container.replaceChildren(...(route ? route.actions.map((action) => actionForm(route, action)) : []));
}

function payloadFrom(route, action, form) {
  const payload = {};
  const data = {};
  for (const input of form.querySelectorAll("input, textarea")) {
    const value = input.value.trim();
    if (input.name === "__data") {
      Object.assign(data, JSON.parse(value || "{}"));
    } else if (input.name === route.lookup && action.detail) {
      payload[route.lookup] = /^\d+$/.test(value) ? Number(value) : value;
    } else if (input.type === "checkbox") {
      data[input.name] = input.checked;
    } else if (value === "") {
      continue;
    } else {
      const typed = input.type === "number" ? Number(value) : input.type === "password" ? input.value : value;
      (input.dataset.top ? payload : data)[input.name] = typed;
    }
  }
  if (Object.keys(data).length || action.data === "required") payload.data = data;
  return payload;
}

async function send(route, action, form) {
  const client = clients.get(route.path);
  let payload;
  try {
    payload = payloadFrom(route, action, form);
  } catch (error) {
    showResult(false, `The data field is not valid JSON: ${error.message}`);
    return;
  }
  try {
    const data = await client.request(action.name, payload);
    applyToTable(action.name, data, payload[route.lookup]);
    showResult(true, `${action.name} on ${route.path}: OK`, data);
  } catch (error) {
    if (error instanceof ApiError) {
      showResult(false, `${action.name} on ${route.path} failed with ${error.status}`, error.errors, error.status);
    } else {
      showResult(false, `${action.name} on ${route.path}: ${error.message}`);
    }
  }
}

function showResult(ok, summary, detail, status = "") {
  const result = $("#result");
  result.dataset.ok = String(ok);
  result.dataset.status = String(status);
  result.textContent = detail === undefined ? summary : `${summary}\n${JSON.stringify(detail, null, 2)}`;
}

// Users table

function applyToTable(action, data, lookup) {
  if (action === "list" && Array.isArray(data)) {
    users.clear();
    for (const user of data) users.set(user.id, user);
  } else if (action === "delete") {
    users.delete(lookup);
  } else if (data && typeof data === "object" && "id" in data) {
    users.set(data.id, data);
  }
  renderUsers(action === "list" ? null : data?.id);
}

function renderUsers(changedId = null) {
  const rows = [...users.values()]
    .sort((a, b) => a.id - b.id)
    .map((user) =>
      element(
        "tr",
        { "data-id": user.id, class: user.id === changedId ? "changed" : "" },
        element("td", { text: user.id }),
        element("td", { text: user.username }),
        element("td", { text: user.email }),
      ),
    );
  $("#users tbody").replaceChildren(...rows);
  $("#users-empty").hidden = rows.length > 0;
}

// Frame log

const MAX_LOG_ENTRIES = 200;

function logFrame(path, frame) {
  const reply = frame.reply;
  const message = frame.message ?? reply;
  const meta = [
    frame.direction === "sent" ? "→ sent" : "← received",
    path,
    new Date().toLocaleTimeString(),
    message ? `request_id ${JSON.stringify(message.request_id)}` : "",
    reply ? `status ${reply.response_status}` : "",
    frame.elapsed != null ? `${frame.elapsed} ms` : "",
  ].filter(Boolean);
  const pretty = message ? JSON.stringify(message, null, 2) : frame.text;
  const entry = element(
    "li",
    { "data-direction": frame.direction, "data-ok": reply ? String(reply.response_status < 400) : undefined },
    element("div", { class: "meta", text: meta.join(" · ") }),
    element("pre", { text: pretty }),
  );
  const log = $("#log");
  log.prepend(entry);
  while (log.children.length > MAX_LOG_ENTRIES) log.lastElementChild.remove();
}

$("#clear-log").addEventListener("click", () => $("#log").replaceChildren());

// Live updates: where a route offers subscribe_list, follow every change to the users,
// whoever makes it (another tab, the admin, a management command). The client renews the
// subscription after each reconnect, so it starts working once you sign in.

function applyPush(path, push) {
  const user = push.data;
  if (push.action === "delete") users.delete(user.pk);
  else users.set(user.id, user);
  renderUsers(push.action === "delete" ? null : user.id);
  const what = push.action === "delete" ? `user ${user.pk} deleted` : `${user.username} ${push.action}d`;
  $("#live").textContent = `Live update from ${path}: ${what}.`;
}

for (const route of routes) {
  if (route.actions.some((candidate) => candidate.name === "subscribe_list")) {
    const client = clients.get(route.path);
    client.subscribe("subscribe_list", {}, (push) => applyPush(route.path, push)).catch(() => {});
    $("#live").textContent = `Following changes through ${route.path} (once signed in).`;
    break;
  }
}

showSession();
buildActions();
renderUsers();
