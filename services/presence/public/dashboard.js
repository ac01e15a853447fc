// The presence dashboard: polls the presence API every report interval and renders totals,
// a live chart of connections and deliveries per second, the nodes and the top topics.
// No framework; every value is written with textContent.

const MAX_POINTS = 120;
const points = [];
const $ = (id) => document.getElementById(id);
const fmt = (n) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 }));

// With API_KEYS set (and PRESENCE_PUBLIC_COUNTS off) the API needs a key: open the page as
// `…/#key=<api key>`. The fragment never leaves the browser (not sent, not logged).
const apiKey = new URLSearchParams(location.hash.slice(1)).get('key');
const headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store', headers });
  if (res.status === 401) throw new Error(`${path}: an API key is needed (open this page as …#key=<api key>)`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function cell(row, text, numeric = false) {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  row.appendChild(td);
  return td;
}

function renderTotals(summary) {
  $('connections').textContent = fmt(summary.connections);
  $('subscriptions').textContent = fmt(summary.subscriptions);
  $('node-count').textContent = fmt(summary.nodes.length);
  $('topic-count').textContent = fmt(summary.topics);
  $('users').textContent = fmt(summary.users);
  $('deliveries-rate').textContent = fmt(summary.deliveriesPerSecond);
}

function renderNodes(nodes) {
  const body = $('nodes').tBodies[0];
  body.replaceChildren();
  for (const node of nodes) {
    const row = document.createElement('tr');
    row.dataset.node = node.id;
    cell(row, node.id);
    cell(row, fmt(node.connections), true).dataset.field = 'connections';
    cell(row, fmt(node.subscriptions), true).dataset.field = 'subscriptions';
    cell(row, fmt(node.topics), true);
    cell(row, fmt(node.deliveriesPerSecond), true);
    cell(row, new Date(node.lastSeen).toLocaleTimeString());
    cell(row, node.synced ? 'yes' : 'catching up');
    body.appendChild(row);
  }
}

function renderTop(top) {
  const body = $('top-topics').tBodies[0];
  body.replaceChildren();
  for (const { topic, subscribers } of top.topics) {
    const row = document.createElement('tr');
    row.dataset.topic = topic;
    cell(row, topic);
    cell(row, fmt(subscribers), true).dataset.field = 'subscribers';
    body.appendChild(row);
  }
}

function drawSeries(ctx, values, max, color, w, h, pad) {
  if (values.length < 2) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = pad + ((w - 2 * pad) * i) / (MAX_POINTS - 1);
    const y = h - pad - ((h - 2 * pad) * v) / max;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

function renderChart() {
  const canvas = $('chart');
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  canvas.width = w * ratio;
  canvas.height = h * ratio;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const pad = 24;
  const conns = points.map((p) => p.connections);
  const rates = points.map((p) => p.rate);
  const maxConns = Math.max(1, ...conns);
  const maxRate = Math.max(1, ...rates);
  ctx.fillStyle = '#6b7280';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`${fmt(maxConns)} conns`, pad, 14);
  ctx.textAlign = 'right';
  ctx.fillText(`${fmt(maxRate)} deliveries/s`, w - pad, 14);
  ctx.textAlign = 'left';
  ctx.strokeStyle = '#eef0f3';
  ctx.beginPath();
  ctx.moveTo(pad, h - pad);
  ctx.lineTo(w - pad, h - pad);
  ctx.stroke();
  drawSeries(ctx, conns, maxConns, '#2563eb', w, h, pad);
  drawSeries(ctx, rates, maxRate, '#16a34a', w, h, pad);
  canvas.dataset.points = String(points.length);
}

async function poll() {
  let interval = 2000;
  try {
    const [summary, top] = await Promise.all([getJson('/v1/presence'), getJson('/v1/presence/topics?top=10')]);
    interval = summary.intervalMs || interval;
    points.push({ connections: summary.connections, rate: summary.deliveriesPerSecond });
    if (points.length > MAX_POINTS) points.shift();
    renderTotals(summary);
    renderNodes(summary.nodes);
    renderTop(top);
    renderChart();
    const status = $('status');
    status.dataset.state = 'ok';
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  } catch (err) {
    const status = $('status');
    status.dataset.state = 'error';
    status.textContent = String(err.message || err);
  }
  setTimeout(poll, interval);
}

poll();
