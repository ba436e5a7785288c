// The workflow graph as an SVG picture, laid out left to right: each node in the column of
// its longest path from a source, columns ordered by the mean row of their inputs; edges
// drawn from an output handle to an input handle. `drawGraph` returns a handle to show run
// status, progress and errors on the nodes.

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 190, HEAD_H = 36, PORT_H = 16, COL_GAP = 90, ROW_GAP = 26, PAD = 20;
const HIDDEN = new Set(["nodetool.workflows.base_node.Comment", "nodetool.workflows.base_node.Preview"]);

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** A node's label: its title, else its input/output name, else its type's last part. */
function nodeLabel(node) {
  const ui = node.ui_properties || {};
  const data = node.data || {};
  if (ui.title) return String(ui.title);
  if (typeof data.name === "string" && data.name) return data.name;
  return node.type.split(".").pop();
}

/** Columns and rows of the graph's nodes: {id: {col, row}}. */
export function layout(nodes, edges) {
  const ids = new Set(nodes.map((n) => n.id));
  const preds = new Map(nodes.map((n) => [n.id, []]));
  const succs = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) continue;
    preds.get(e.target).push(e.source);
    succs.get(e.source).push(e.target);
  }
  // Longest path from a source, in topological order (Kahn); nodes on a cycle go last.
  const indegree = new Map(nodes.map((n) => [n.id, preds.get(n.id).length]));
  const col = new Map();
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) col.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const next of succs.get(id)) {
      col.set(next, Math.max(col.get(next) ?? 0, col.get(id) + 1));
      indegree.set(next, indegree.get(next) - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  let last = Math.max(0, ...col.values());
  for (const n of nodes) if (!col.has(n.id)) col.set(n.id, ++last);
  const columns = [];
  for (const n of nodes) (columns[col.get(n.id)] ||= []).push(n.id);
  const row = new Map();
  for (const column of columns) {
    if (!column) continue;
    const weight = (id) => {
      const p = preds.get(id).filter((x) => row.has(x));
      return p.length ? p.reduce((s, x) => s + row.get(x), 0) / p.length : Infinity;
    };
    column
      .map((id, i) => [id, weight(id), i])
      .sort((a, b) => (a[1] === b[1] ? a[2] - b[2] : a[1] - b[1]))
      .forEach(([id], i) => row.set(id, i));
  }
  const out = {};
  for (const n of nodes) out[n.id] = { col: col.get(n.id), row: row.get(n.id) };
  return out;
}

/** Draws `graph` into `container`; returns {setStatus, setProgress, reset, count}. */
export function drawGraph(container, graph) {
  const nodes = (graph.nodes || []).filter((n) => !HIDDEN.has(n.type));
  const edges = graph.edges || [];
  const inputs = new Map(nodes.map((n) => [n.id, []]));
  const outputs = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (inputs.has(e.target) && !inputs.get(e.target).includes(e.targetHandle)) inputs.get(e.target).push(e.targetHandle);
    if (outputs.has(e.source) && !outputs.get(e.source).includes(e.sourceHandle)) outputs.get(e.source).push(e.sourceHandle);
  }
  const place = layout(nodes, edges);
  const height = (id) => HEAD_H + PORT_H * Math.max(inputs.get(id).length, outputs.get(id).length, 1) + 14;
  // Row heights: the tallest node of each row index, per column stacked.
  const colY = new Map();
  const pos = new Map();
  const byColumn = [...nodes].sort((a, b) => place[a.id].col - place[b.id].col || place[a.id].row - place[b.id].row);
  for (const n of byColumn) {
    const c = place[n.id].col;
    const y = colY.get(c) ?? PAD;
    pos.set(n.id, { x: PAD + c * (NODE_W + COL_GAP), y, h: height(n.id) });
    colY.set(c, y + height(n.id) + ROW_GAP);
  }
  const width = PAD * 2 + (Math.max(0, ...[...pos.values()].map((p) => p.x)) + NODE_W);
  const fullHeight = PAD + Math.max(0, ...colY.values());
  const svg = el("svg", { width, height: fullHeight, viewBox: `0 0 ${width} ${fullHeight}`, role: "img",
    "aria-label": `Workflow graph with ${nodes.length} nodes` });
  const edgeLayer = el("g");
  svg.append(edgeLayer);
  const handles = {};
  for (const n of nodes) {
    const p = pos.get(n.id);
    const g = el("g", { class: "node", "data-node-id": n.id, "data-status": "idle", transform: `translate(${p.x},${p.y})` });
    const title = el("title", {}, `${nodeLabel(n)} (${n.type})`);
    g.append(title, el("rect", { class: "box", width: NODE_W, height: p.h, rx: 8 }));
    g.append(el("text", { x: 10, y: 16 }, clip(nodeLabel(n), 26)));
    g.append(el("text", { class: "type", x: 10, y: 30 }, clip(n.type, 34)));
    inputs.get(n.id).forEach((h, i) => {
      g.append(el("circle", { cx: 0, cy: HEAD_H + 8 + i * PORT_H, r: 3.5, fill: "currentColor" }));
      g.append(el("text", { class: "port", x: 8, y: HEAD_H + 12 + i * PORT_H }, clip(h, 14)));
    });
    outputs.get(n.id).forEach((h, i) => {
      g.append(el("circle", { cx: NODE_W, cy: HEAD_H + 8 + i * PORT_H, r: 3.5, fill: "currentColor" }));
      g.append(el("text", { class: "port", x: NODE_W - 8, y: HEAD_H + 12 + i * PORT_H, "text-anchor": "end" }, clip(h, 14)));
    });
    const bar = el("rect", { class: "bar", x: 0, y: p.h - 4, width: 0, height: 4, rx: 2 });
    const error = el("text", { class: "error", x: 10, y: p.h - 6 });
    g.append(bar, error);
    handles[n.id] = { g, bar, error, title, base: title.textContent };
    svg.append(g);
  }
  for (const e of edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W, y1 = a.y + HEAD_H + 8 + outputs.get(e.source).indexOf(e.sourceHandle) * PORT_H;
    const x2 = b.x, y2 = b.y + HEAD_H + 8 + inputs.get(e.target).indexOf(e.targetHandle) * PORT_H;
    const dx = Math.max(30, (x2 - x1) / 2);
    edgeLayer.append(el("path", { class: "edge", d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`,
      "data-edge": `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}` }));
  }
  container.replaceChildren(svg);
  return {
    count: nodes.length,
    setStatus(id, status, message) {
      const h = handles[id];
      if (!h) return;
      h.g.setAttribute("data-status", status);
      h.error.textContent = message ? clip(message, 30) : "";
      h.title.textContent = message ? `${h.base}: ${message}` : `${h.base}: ${status}`;
      if (status === "completed") h.bar.setAttribute("width", 0);
    },
    setProgress(id, progress, total) {
      const h = handles[id];
      if (!h || !total) return;
      h.bar.setAttribute("width", Math.max(0, Math.min(1, progress / total)) * NODE_W);
    },
    reset() {
      for (const id of Object.keys(handles)) this.setStatus(id, "idle");
    },
  };
}
