// The docs page: reads the project's AsyncAPI document and shows each route (channel), each
// action (an operation the server receives) with its fields, an example request and reply,
// the error replies, and the pushes of subscription actions. No dependencies, no build step.

const main = document.getElementById("docs");

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// Descriptions use a little Markdown: paragraphs and `code`.
function prose(text) {
  if (!text) return null;
  const container = element("div", { class: "prose" });
  for (const paragraph of text.split(/\n\n+/)) {
    const p = element("p");
    paragraph.split(/(`[^`]+`)/).forEach((part) => {
      p.append(part.startsWith("`") && part.endsWith("`") && part.length > 1 ? element("code", { text: part.slice(1, -1) }) : part);
    });
    container.append(p);
  }
  return container;
}

function resolve(document, value) {
  let current = value;
  for (let step = 0; step < 10 && current && typeof current.$ref === "string"; step += 1) {
    current = current.$ref
      .replace(/^#\//, "")
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce((node, key) => (node ? node[key] : undefined), document);
  }
  return current;
}

function refName(schema) {
  return schema && typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : null;
}

// A short type for a schema: "string", "integer or null", "array of User", "\"retrieve\"".
function typeOf(document, schema) {
  if (!schema || typeof schema !== "object") return "any";
  const name = refName(schema);
  if (name) return name;
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map((item) => JSON.stringify(item)).join(", ")}`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length && schema.anyOf) return schema.anyOf.map((item) => typeOf(document, item)).join(" or ");
  if (!types.length) return "any JSON value";
  return types
    .map((type) => {
      if (type === "array") return schema.maxItems === 0 ? "empty array" : `array of ${typeOf(document, schema.items)}`;
      if (type === "object" && schema.maxProperties === 0) return "empty object";
      return type;
    })
    .join(" or ");
}

function formatOf(schema) {
  if (schema.format) return schema.format;
  const formats = (schema.anyOf || []).filter((item) => item.format).map((item) => item.format);
  return formats.length ? `${formats.join(", ")} or blank` : null;
}

function rules(schema) {
  const found = [];
  const format = formatOf(schema);
  if (format) found.push(`format: ${format}`);
  if (schema.minLength !== undefined) found.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) found.push(`at most ${schema.maxLength} characters`);
  if (schema.minimum !== undefined) found.push(`from ${schema.minimum}`);
  if (schema.maximum !== undefined) found.push(`up to ${schema.maximum}`);
  if (schema.pattern) found.push(`pattern ${schema.pattern}`);
  if (schema.default !== undefined) found.push(`default ${JSON.stringify(schema.default)}`);
  return found;
}

function fieldRows(document, schema, prefix = "") {
  const target = resolve(document, schema) || {};
  const required = new Set(target.required || []);
  return Object.entries(target.properties || {}).map(([name, property]) => {
    const resolved = resolve(document, property) || {};
    const notes = [...rules(resolved)];
    const description = resolved.description || (refName(property) ? "" : resolved.title);
    return element(
      "tr",
      { "data-field": prefix + name },
      element("td", {}, element("code", { text: prefix + name })),
      element("td", { class: "type", text: typeOf(document, property) }),
      element("td", { text: required.has(name) ? "required" : "optional" }),
      element("td", {}, notes.length ? element("span", { class: "rules", text: notes.join("; ") }) : "", description ? ` ${description}` : ""),
    );
  });
}

function fieldsTable(document, schema, caption) {
  const target = resolve(document, schema) || {};
  const rows = fieldRows(document, target);
  const dataSchema = target.properties?.data;
  const data = resolve(document, dataSchema);
  if (data && data.properties && Object.keys(data.properties).length) rows.push(...fieldRows(document, dataSchema, "data."));
  if (!rows.length) return element("p", { class: "hint", text: "No fields." });
  return element(
    "table",
    { class: "fields" },
    element("caption", { text: caption }),
    element("thead", {}, element("tr", {}, ...["key", "type", "", "rules and meaning"].map((text) => element("th", { scope: "col", text })))),
    element("tbody", {}, ...rows),
  );
}

function example(message) {
  const first = (message.examples || [])[0];
  return first ? element("pre", { class: "example" }, JSON.stringify(first.payload, null, 2)) : null;
}

function statusOf(message) {
  const status = message.payload?.properties?.response_status || {};
  if ("const" in status) return String(status.const);
  return `${status.minimum ?? 200}–${status.maximum ?? 399}`;
}

function errorList(document, refs) {
  const items = refs.map((ref) => {
    const message = resolve(document, ref);
    return element(
      "li",
      { "data-status": statusOf(message) },
      element("strong", { text: `${statusOf(message)} ${message.summary || ""}` }),
      message.description ? ` ${message.description}` : "",
      element("details", {}, element("summary", { text: "example" }), example(message)),
    );
  });
  return element("ul", { class: "errors" }, ...items);
}

function pushSection(document, operationKey) {
  const operation = document.operations[operationKey];
  if (!operation) return null;
  const pushes = operation.messages.map((ref) => {
    const message = resolve(document, ref);
    const data = message.payload.properties.data;
    return element(
      "li",
      { "data-push": message.payload.properties.action.const },
      element("strong", { text: `${message.payload.properties.action.const} (${statusOf(message)})` }),
      ` data: ${typeOf(document, data)}`,
      example(message),
    );
  });
  return element(
    "section",
    { class: "pushes", id: operationKey },
    element("h4", { text: "Pushes" }),
    prose(operation.description),
    element("ul", {}, ...pushes),
  );
}

function operationArticle(document, key, operation) {
  const refs = operation.reply.messages;
  const request = resolve(document, operation.messages[0]);
  const reply = resolve(document, refs[0]);
  const replyData = reply.payload.properties.data;
  const resolvedData = resolve(document, replyData) || {};
  const shownData = resolvedData.type === "array" ? resolvedData.items : replyData;
  const badges = [operation["x-method"], operation["x-detail"] ? "names an object" : null, operation["x-data"] === "required" ? "data required" : null]
    .filter(Boolean)
    .map((text) => element("span", { class: "badge", text }));
  return element(
    "article",
    { class: "operation", id: key, "data-action": operation.title },
    element("h3", {}, element("code", { text: operation.title }), " ", ...badges, element("a", { class: "anchor", href: `#${key}`, "aria-label": `Link to ${operation.title}`, text: "#" })),
    element("p", { class: "summary", text: operation.summary || "" }),
    prose(operation.description),
    element("h4", { text: "Request" }),
    fieldsTable(document, request.payload, `Keys of a ${operation.title} request`),
    element("h4", { text: "Example request" }),
    example(request),
    element("h4", { text: `Reply: ${statusOf(reply)}, data: ${typeOf(document, replyData)}` }),
    resolve(document, shownData)?.properties ? fieldsTable(document, shownData, `Fields of the ${operation.title} reply's data`) : null,
    element("h4", { text: "Example reply" }),
    example(reply),
    element("h4", { text: "Error replies" }),
    errorList(document, refs.slice(1)),
    operation["x-pushes"] ? pushSection(document, operation["x-pushes"]) : null,
  );
}

function channelSection(document, key, channel) {
  const operations = Object.entries(document.operations)
    .filter(([, operation]) => operation.action === "receive" && resolve(document, operation.channel) === channel)
    .sort(([, a], [, b]) => a.title.localeCompare(b.title));
  const parameters = Object.entries(channel.parameters || {}).map(([name, parameter]) =>
    element("li", {}, element("code", { text: `{${name}}` }), ` ${parameter.description || ""}`),
  );
  return element(
    "section",
    { class: "channel", id: `channel-${key}`, "data-address": channel.address },
    element("h2", {}, element("code", { text: channel.address }), " ", element("small", { text: channel.title || "" })),
    prose(channel.description),
    parameters.length ? element("ul", { class: "parameters" }, ...parameters) : null,
    ...operations.map(([operationKey, operation]) => operationArticle(document, operationKey, operation)),
  );
}

function contents(document) {
  const items = Object.entries(document.channels).map(([key, channel]) => {
    const links = Object.entries(document.operations)
      .filter(([, operation]) => operation.action === "receive" && resolve(document, operation.channel) === channel)
      .sort(([, a], [, b]) => a.title.localeCompare(b.title))
      .map(([operationKey, operation]) => element("li", {}, element("a", { href: `#${operationKey}` }, element("code", { text: operation.title }))));
    return element("li", {}, element("a", { href: `#channel-${key}` }, element("code", { text: channel.address })), element("ul", { class: "inline-list" }, ...links));
  });
  return element("nav", { class: "contents", "aria-label": "Routes and actions" }, element("h2", { text: "Routes" }), element("ul", {}, ...items));
}

function servers(document) {
  const entries = Object.entries(document.servers || {});
  if (!entries.length) return null;
  return element(
    "section",
    { class: "servers" },
    element("h2", { text: "Servers" }),
    element("ul", {}, ...entries.map(([name, server]) => element("li", {}, element("code", { text: `${server.protocol}://${server.host}${server.pathname || ""}` }), ` ${name}${server.description ? `: ${server.description}` : ""}`))),
  );
}

function render(document) {
  window.document.title = `${document.info.title} ${document.info.version}: WebSocket API`;
  window.document.getElementById("title").textContent = `${document.info.title} ${document.info.version}`;
  const channels = Object.entries(document.channels).sort(([, a], [, b]) => a.address.localeCompare(b.address));
  main.replaceChildren(
    element("section", { class: "intro" }, prose(document.info.description)),
    servers(document),
    contents(document),
    ...channels.map(([key, channel]) => channelSection(document, key, channel)),
  );
  main.dataset.ready = "true";
  if (location.hash) window.document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

fetch(main.dataset.schemaUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
  .then(async (response) => {
    if (!response.ok) throw new Error(`the document answered ${response.status}`);
    render(await response.json());
  })
  .catch((error) => {
    main.replaceChildren(element("p", { class: "error", role: "alert", text: `Could not load the API description: ${error.message}.` }));
    main.dataset.ready = "error";
  });
