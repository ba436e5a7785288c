// The nodetool console: workflows (list, import, export, delete, draw, run live over /ws,
// cancel), jobs, the node library, secrets and settings. Uses only the public API with the
// same Bearer token as any client (kept in this browser's localStorage).

import { drawGraph } from "/console/graph.js";

const TOKEN_KEY = "nodetool.token";
const main = document.getElementById("main");
const notice = document.getElementById("notice");
const loginForm = document.getElementById("login");
const signOut = document.getElementById("signout");
let pageTimer = null;
let pageSocket = null;

// ---------- small helpers ----------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

function showNotice(message) {
  notice.textContent = message || "";
  notice.hidden = !message;
}

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, raw, contentType } = {}) {
  const headers = {};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
  if (raw && contentType) headers["Content-Type"] = contentType;
  const response = await fetch(path, { method, headers, body: raw ? body : body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    loginForm.hidden = false;
    signOut.hidden = true;
    throw new ApiError(401, "Sign in: this server needs an API token.");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const detail = data && typeof data === "object" && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail);
  }
  return data;
}

function since(start, end) {
  if (!start) return "";
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (!Number.isFinite(ms)) return "";
  return ms < 1000 ? `${ms} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60000)} min`;
}

function status(text) {
  return h("span", { class: `status ${text}`, text });
}

// ---------- values, rendered by type ----------

function assetUrl(ref) {
  if (ref.uri && !ref.uri.startsWith("/api/storage")) return ref.uri;
  if (ref.asset_id) return `/api/assets/${encodeURIComponent(ref.asset_id)}/data`;
  return ref.uri || "";
}

function jsonTree(value, key) {
  const label = key === undefined ? null : h("span", { class: "key", text: `${key}: ` });
  if (value === null || typeof value !== "object") {
    return h("div", {}, label, h("span", { text: JSON.stringify(value) }));
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const details = h("details", { class: "json", open: entries.length <= 8 },
    h("summary", {}, label, Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`));
  for (const [k, v] of entries) details.append(jsonTree(v, k));
  return details;
}

export function renderValue(value) {
  if (typeof value === "string") return h("pre", { class: "value", text: value });
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if (value.type === "image" && (value.uri || value.asset_id)) return h("img", { src: assetUrl(value), alt: "output image" });
    if (value.type === "audio" && (value.uri || value.asset_id)) return h("audio", { src: assetUrl(value), controls: true });
    if (value.type === "video" && (value.uri || value.asset_id)) return h("video", { src: assetUrl(value), controls: true, width: 320 });
    if (value.type === "dataframe" && Array.isArray(value.columns)) {
      const cols = value.columns.map((c) => (typeof c === "string" ? c : c.name));
      return h("table", { class: "dataframe" },
        h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: c })))),
        h("tbody", {}, (value.data || []).slice(0, 200).map((row) => h("tr", {}, row.map((cell) => h("td", { text: typeof cell === "string" ? cell : JSON.stringify(cell) }))))));
    }
  }
  if (typeof value === "number" || typeof value === "boolean") return h("pre", { class: "value", text: String(value) });
  return jsonTree(value);
}

// ---------- workflows ----------

async function workflowsPage() {
  const search = h("input", { type: "search", placeholder: "Search workflows", "aria-label": "Search workflows" });
  const file = h("input", { type: "file", accept: ".json,application/json", id: "import-file", "aria-label": "Import a NodeTool workflow JSON file", hidden: true });
  const list = h("ul", { class: "list", "aria-label": "Workflows" });
  main.replaceChildren(
    h("h1", { text: "Workflows" }),
    h("div", { class: "toolbar" }, search,
      h("button", { type: "button", onclick: () => file.click() }, "Import JSON…"), file),
    list);
  const data = await api("/api/workflows?limit=500");
  const workflows = data.workflows || [];
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const shown = workflows.filter((w) => !q || `${w.name} ${w.description || ""} ${(w.tags || []).join(" ")}`.toLowerCase().includes(q));
    list.replaceChildren(...(shown.length ? shown.map((w) => h("li", {},
      h("a", { href: `#/workflows/${encodeURIComponent(w.id)}`, text: w.name || w.id }),
      w.description ? h("div", { class: "desc", text: w.description.slice(0, 200) }) : null))
      : [h("li", { class: "muted", text: workflows.length ? "No workflow matches." : "No workflows yet: import a NodeTool graph JSON file." })]));
  };
  search.addEventListener("input", render);
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    try {
      const parsed = JSON.parse(await chosen.text());
      const graph = parsed.graph || (parsed.nodes ? { nodes: parsed.nodes, edges: parsed.edges || [] } : null);
      if (!graph) throw new Error(`${chosen.name}: no "graph" and no "nodes" in it`);
      const created = await api("/api/workflows", { method: "POST", body: {
        name: parsed.name || chosen.name.replace(/\.json$/, ""), description: parsed.description || "",
        tags: parsed.tags || [], graph } });
      location.hash = `#/workflows/${encodeURIComponent(created.id)}`;
    } catch (error) {
      showNotice(`Import failed: ${error.message}`);
    }
  });
  render();
  search.focus();
}

const INPUT_WIDGETS = {
  StringInput: "text", TextInput: "textarea", ChatInput: "textarea", IntegerInput: "integer", FloatInput: "float",
  BooleanInput: "boolean", EnumInput: "enum", ImageInput: "image", AudioInput: "audio", VideoInput: "video",
  DocumentInput: "document", FilePathInput: "text", FolderPathInput: "text", ColorInput: "text",
};

function inputNodes(graph) {
  return (graph.nodes || []).filter((n) => n.type.startsWith("nodetool.input.") && n.data && n.data.name);
}

function inputField(node) {
  const kind = INPUT_WIDGETS[node.type.split(".").pop()] || "json";
  const data = node.data;
  const id = `in-${node.id}`;
  const label = h("label", { for: id }, data.label || data.name,
    data.description ? h("span", { class: "hint", text: ` — ${data.description}` }) : null);
  let control, read;
  const value = data.value;
  switch (kind) {
    case "textarea":
      control = h("textarea", { id, rows: 3 }); control.value = typeof value === "string" ? value : "";
      read = () => control.value; break;
    case "integer": case "float":
      control = h("input", { id, type: "number", step: kind === "integer" ? "1" : "any", min: data.min ?? undefined, max: data.max ?? undefined });
      control.value = value ?? "";
      read = () => (control.value === "" ? null : kind === "integer" ? parseInt(control.value, 10) : parseFloat(control.value)); break;
    case "boolean":
      control = h("input", { id, type: "checkbox" }); control.checked = !!value;
      read = () => control.checked; break;
    case "enum": {
      const options = data.options || data.values || [];
      control = h("select", { id }, options.map((o) => h("option", { value: o, text: o })));
      control.value = value ?? options[0] ?? "";
      read = () => control.value; break;
    }
    case "image": case "audio": case "video": case "document": {
      control = h("input", { id, type: "file", accept: kind === "document" ? undefined : `${kind}/*` });
      read = async () => {
        const chosen = control.files[0];
        if (!chosen) return value && (value.uri || value.asset_id) ? value : null;
        const asset = await api(`/api/assets?name=${encodeURIComponent(chosen.name)}`, { method: "POST", raw: true, body: chosen, contentType: chosen.type || "application/octet-stream" });
        return { type: kind, asset_id: asset.id, uri: "" };
      };
      break;
    }
    case "text":
      control = h("input", { id, type: "text" }); control.value = typeof value === "string" ? value : "";
      read = () => control.value; break;
    default:
      control = h("textarea", { id, rows: 3 }); control.value = value === undefined ? "" : JSON.stringify(value);
      read = () => { try { return JSON.parse(control.value); } catch { return control.value; } };
  }
  control.name = data.name;
  return { name: data.name, element: h("div", {}, label, control), read };
}

function openSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = token() ? `?api_key=${encodeURIComponent(token())}` : "";
  return new WebSocket(`${scheme}://${location.host}/ws${query}`);
}

async function workflowPage(id) {
  const workflow = await api(`/api/workflows/${encodeURIComponent(id)}`);
  const graph = workflow.graph || { nodes: [], edges: [] };
  const picture = h("div", { class: "graph", "aria-label": "Graph" });
  const fields = inputNodes(graph).map(inputField);
  const runButton = h("button", { type: "submit", class: "primary" }, "Run");
  const cancelButton = h("button", { type: "button", disabled: true }, "Cancel");
  const jobLine = h("p", { class: "job-status muted", "aria-live": "polite", text: "Not run yet." });
  const outputs = h("dl", { class: "outputs", "aria-label": "Outputs" });
  const form = h("form", { class: "run", "aria-label": "Run form" },
    fields.length ? fields.map((f) => f.element) : h("p", { class: "muted", text: "This workflow has no inputs." }),
    h("div", { class: "actions" }, runButton, cancelButton));
  const exportButton = h("button", { type: "button", onclick: () => {
    const blob = new Blob([JSON.stringify(workflow, null, 2)], { type: "application/json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: `${workflow.name || workflow.id}.json` });
    document.body.append(a); a.click(); a.remove();
  } }, "Export JSON");
  const deleteButton = h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm(`Delete workflow “${workflow.name}”?`)) return;
    await api(`/api/workflows/${encodeURIComponent(id)}`, { method: "DELETE" });
    location.hash = "#/workflows";
  } }, "Delete");
  main.replaceChildren(
    h("h1", { text: workflow.name || workflow.id }),
    workflow.description ? h("p", { class: "muted", text: workflow.description }) : "",
    h("div", { class: "toolbar" }, exportButton, deleteButton, h("a", { href: `#/jobs?workflow_id=${encodeURIComponent(id)}` }, "Jobs of this workflow")),
    h("div", { class: "layout" }, picture,
      h("div", {}, h("section", { class: "panel" }, h("h2", { text: "Run" }), form, jobLine),
        h("section", { class: "panel" }, h("h2", { text: "Outputs" }), outputs))));
  const started = performance.now();
  const view = drawGraph(picture, graph);
  window.__consoleGraphMs = performance.now() - started;
  picture.setAttribute("data-node-count", view.count);

  let jobId = null;
  const values = new Map();
  const showOutput = (name, value) => {
    values.set(name, value);
    outputs.replaceChildren(...[...values].flatMap(([n, v]) => [h("dt", { text: n }), h("dd", { "data-output": n }, renderValue(v))]));
  };
  const finish = (message) => {
    runButton.disabled = false;
    cancelButton.disabled = true;
    jobLine.replaceChildren(status(message.status), message.error ? h("span", { text: ` — ${message.error}` }) : "");
    jobLine.setAttribute("data-status", message.status);
  };
  const socket = openSocket();
  pageSocket = socket;
  socket.addEventListener("message", (event) => {
    let m;
    try { m = JSON.parse(event.data); } catch { return; }
    if (m.job_id && jobId && m.job_id !== jobId) return;
    if (m.message === "Job started") { jobId = m.job_id; return; }
    switch (m.type) {
      case "job_update":
        if (m.status === "running") jobLine.replaceChildren(status("running"));
        else if (["completed", "failed", "cancelled", "error"].includes(m.status)) finish(m);
        if (m.result && typeof m.result === "object") for (const [k, v] of Object.entries(m.result)) if (!values.has(k)) showOutput(k, Array.isArray(v) && v.length === 1 ? v[0] : v);
        break;
      case "node_update":
        view.setStatus(m.node_id, m.status === "failed" ? "error" : m.status, m.error);
        break;
      case "node_progress":
        view.setProgress(m.node_id, m.progress, m.total);
        break;
      case "output_update":
        showOutput(m.output_name === "output" ? m.node_name : m.output_name, m.value);
        break;
      default:
        if (m.error && !m.type) { showNotice(m.error + (m.details ? `: ${m.details}` : "")); runButton.disabled = false; }
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 1008) showNotice("The server refused the WebSocket: sign in with a valid token.");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showNotice("");
    const params = {};
    try {
      for (const f of fields) {
        const v = await f.read();
        if (v !== null && v !== undefined) params[f.name] = v;
      }
    } catch (error) {
      showNotice(`Could not read the inputs: ${error.message}`);
      return;
    }
    values.clear();
    outputs.replaceChildren();
    view.reset();
    for (const n of graph.nodes || []) view.setStatus(n.id, "queued");
    jobId = null;
    runButton.disabled = true;
    cancelButton.disabled = false;
    jobLine.replaceChildren(status("running"));
    const send = () => socket.send(JSON.stringify({ command: "run_job", data: { workflow_id: id, params } }));
    if (socket.readyState === WebSocket.OPEN) send(); else socket.addEventListener("open", send, { once: true });
  });
  cancelButton.addEventListener("click", () => {
    if (jobId) socket.send(JSON.stringify({ command: "cancel_job", data: { job_id: jobId } }));
  });
}

// ---------- jobs ----------

async function jobsPage(query) {
  const filter = query.get("workflow_id");
  const table = h("table", { "aria-label": "Jobs" });
  main.replaceChildren(h("h1", { text: "Jobs" }), filter ? h("p", { class: "muted", text: `Workflow ${filter}` }) : "", table);
  const refresh = async () => {
    const data = await api(`/api/jobs?limit=100${filter ? `&workflow_id=${encodeURIComponent(filter)}` : ""}`);
    const jobs = data.jobs || [];
    table.replaceChildren(
      h("thead", {}, h("tr", {}, ["Job", "Status", "Workflow", "Started", "Duration"].map((t) => h("th", { text: t })))),
      h("tbody", {}, jobs.length ? jobs.map((j) => h("tr", {},
        h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(j.id)}`, text: j.id.slice(0, 12) })),
        h("td", {}, status(j.status)),
        h("td", {}, j.workflow_id ? h("a", { href: `#/workflows/${encodeURIComponent(j.workflow_id)}`, text: j.workflow_id.slice(0, 12) }) : "graph"),
        h("td", { text: j.started_at ? new Date(j.started_at).toLocaleString() : "" }),
        h("td", { text: since(j.started_at, j.finished_at) }))) : h("tr", {}, h("td", { colspan: 5, class: "muted", text: "No jobs yet." }))));
    return jobs.some((j) => j.status === "running");
  };
  const tick = async () => {
    const live = await refresh();
    pageTimer = setTimeout(tick, live ? 1000 : 5000);
  };
  await tick();
}

async function jobPage(id) {
  const render = async () => {
    const job = await api(`/api/jobs/${encodeURIComponent(id)}`);
    main.replaceChildren(
      h("h1", { text: `Job ${job.id}` }),
      h("p", {}, status(job.status), ` · ${since(job.started_at, job.finished_at)}`,
        job.workflow_id ? h("span", {}, " · ", h("a", { href: `#/workflows/${encodeURIComponent(job.workflow_id)}`, text: "workflow" })) : ""),
      job.error ? h("pre", { class: "value job-error", text: job.error }) : "",
      h("h2", { text: "Inputs" }), renderValue(job.params || {}),
      h("h2", { text: "Outputs" }), job.result ? h("dl", { class: "outputs" }, Object.entries(job.result).flatMap(([k, v]) =>
        [h("dt", { text: k }), h("dd", {}, renderValue(Array.isArray(v) && v.length === 1 ? v[0] : v))])) : h("p", { class: "muted", text: "None yet." }));
    if (job.status === "running") pageTimer = setTimeout(render, 1000);
  };
  await render();
}

// ---------- nodes ----------

async function nodesPage() {
  const search = h("input", { type: "search", placeholder: "Search by name or namespace", "aria-label": "Search nodes" });
  const count = h("p", { class: "muted" });
  const list = h("div", { "aria-label": "Node types" });
  main.replaceChildren(h("h1", { text: "Nodes" }), h("div", { class: "toolbar" }, search), count, list);
  const nodes = await api("/api/nodes/metadata");
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const shown = nodes.filter((n) => !q || `${n.node_type} ${n.title} ${n.namespace}`.toLowerCase().includes(q));
    count.textContent = `${shown.length} of ${nodes.length} node types`;
    list.replaceChildren(...shown.slice(0, 300).map((n) => {
      const details = h("details", { class: "node-meta" }, h("summary", {}, h("strong", { text: n.title }), " ", h("code", { text: n.node_type })));
      details.addEventListener("toggle", () => {
        if (!details.open || details.dataset.filled) return;
        details.dataset.filled = "1";
        details.append(
          n.description ? h("p", { text: n.description }) : "",
          h("h2", { text: "Inputs" }),
          h("table", {}, h("tbody", {}, (n.properties || []).map((p) => h("tr", {},
            h("td", {}, h("code", { text: p.name })), h("td", { text: p.type?.type || "" }),
            h("td", { class: "muted", text: p.description || "" }))))),
          h("h2", { text: "Outputs" }),
          h("table", {}, h("tbody", {}, (n.outputs || []).map((o) => h("tr", {}, h("td", {}, h("code", { text: o.name })), h("td", { text: o.type?.type || "" }))))));
      });
      return details;
    }));
  };
  search.addEventListener("input", render);
  render();
  search.focus();
}

// ---------- secrets and settings ----------

async function secretsPage() {
  const list = h("ul", { class: "list", "aria-label": "Secrets" });
  main.replaceChildren(h("h1", { text: "Secrets" }),
    h("p", { class: "muted", text: "Values are encrypted on the server and never shown again after saving." }), list);
  const render = async () => {
    const data = await api("/api/settings/secrets");
    list.replaceChildren(...(data.secrets || []).map((s) => {
      const input = h("input", { type: "password", autocomplete: "off", "aria-label": `New value for ${s.key}` });
      return h("li", { "data-secret": s.key }, h("div", { class: "secret-row" },
        h("strong", { text: s.key }),
        h("span", { class: `badge${s.is_configured ? " on" : ""}`, text: s.is_configured ? "set" : "not set" }),
        input,
        h("button", { type: "button", onclick: async () => {
          if (!input.value) return;
          try {
            await api(`/api/settings/secrets/${encodeURIComponent(s.key)}`, { method: "PUT", body: { value: input.value } });
            showNotice("");
          } catch (error) {
            showNotice(`Could not save ${s.key}: ${error.message}`);
          } finally {
            input.value = "";
          }
          await render();
        } }, "Save"),
        s.is_configured ? h("button", { type: "button", class: "danger", onclick: async () => {
          await api(`/api/settings/secrets/${encodeURIComponent(s.key)}`, { method: "DELETE" });
          await render();
        } }, "Delete") : ""),
        s.description ? h("div", { class: "desc", text: s.description }) : "");
    }));
  };
  await render();
}

async function settingsPage() {
  const data = await api("/api/settings");
  const groups = new Map();
  for (const s of data.settings || []) (groups.get(s.group) || groups.set(s.group, []).get(s.group)).push(s);
  main.replaceChildren(h("h1", { text: "Settings" }),
    h("p", { class: "muted", text: "Set them in settings.yaml, the environment or .env; secrets on the Secrets page." }),
    ...[...groups].flatMap(([group, items]) => [h("h2", { text: group }),
      h("table", {}, h("tbody", {}, items.map((s) => h("tr", {},
        h("td", {}, h("code", { text: s.env_var })),
        h("td", { text: s.description }),
        h("td", {}, s.is_secret ? h("span", { class: "badge", text: "secret" }) : ""),
      ))))]));
}

// ---------- routing ----------

async function route() {
  clearTimeout(pageTimer);
  if (pageSocket) { pageSocket.close(); pageSocket = null; }
  showNotice("");
  const [path, search] = (location.hash.slice(1) || "/workflows").split("?");
  const query = new URLSearchParams(search || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.section === parts[0]) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  try {
    if (parts[0] === "workflows" && parts[1]) await workflowPage(parts[1]);
    else if (parts[0] === "jobs" && parts[1]) await jobPage(parts[1]);
    else if (parts[0] === "jobs") await jobsPage(query);
    else if (parts[0] === "nodes") await nodesPage();
    else if (parts[0] === "secrets") await secretsPage();
    else if (parts[0] === "settings") await settingsPage();
    else await workflowsPage();
  } catch (error) {
    main.replaceChildren(h("h1", { text: error.status === 404 ? "Not found" : "Something went wrong" }), h("p", { class: "muted", text: error.message }));
    if (error.status !== 401) showNotice(error.message);
  }
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("token");
  localStorage.setItem(TOKEN_KEY, input.value.trim());
  input.value = "";
  loginForm.hidden = true;
  signOut.hidden = false;
  route();
});
signOut.addEventListener("click", () => {
  localStorage.removeItem(TOKEN_KEY);
  signOut.hidden = true;
  loginForm.hidden = false;
  main.replaceChildren(h("p", { class: "muted", text: "Signed out." }));
});
signOut.hidden = !token();
window.addEventListener("hashchange", route);
route();
