// The OPG network page: plain JavaScript, no build step and nothing fetched but the indexer's own API.
// Amounts arrive as wei strings and are formatted here, once; "now" is the chain's latest block time (a devnet moves
// its clock ahead of the wall clock).

const SVG = "http://www.w3.org/2000/svg";
const WEI = 10n ** 18n;
const COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const MODE_NAMES = ["none", "tee", "zk"];
const MODE_LABELS = { none: "none", tee: "TEE", zk: "ZK" };

/** The chain's time (unix seconds): set from /stats, the device's clock until then. */
let chainNow = Math.floor(Date.now() / 1000);
let modelNames = new Map();

// ------------------------------------------------------------------ fetching

class ApiError extends Error {
  constructor(message, status = 0, retryAfter = 0) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: "application/json" } });
  } catch (error) {
    throw new ApiError(`the indexer did not answer ${path} (${error.message})`);
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(`${path} answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok)
    throw new ApiError(
      `${path} answered ${res.status}: ${body.error ?? text}`,
      res.status,
      Number(res.headers.get("retry-after")) || 0,
    );
  return body;
}

async function graphql(query) {
  const res = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || body.errors) throw new ApiError(`/graphql: ${body.errors?.[0]?.message ?? res.status}`);
  return body.data;
}

// ------------------------------------------------------------------ formatting

const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** "1,234,567.89 OPG" from a wei string; at most `decimals` decimals, rounded down. */
function opg(wei, decimals = 2, unit = true) {
  const value = BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const fraction = (abs % WEI).toString().padStart(18, "0").slice(0, decimals).replace(/0+$/, "");
  const text = `${negative ? "-" : ""}${group((abs / WEI).toString())}${fraction ? "." + fraction : ""}`;
  return unit ? `${text} OPG` : text;
}

/** OPG as a JavaScript number (for drawing only). */
const opgNumber = (wei) => Number(BigInt(wei) / 10n ** 12n) / 1e6;

/** "250M", "1B", "12.5M" for axis labels. */
function compact(value) {
  if (value >= 1e9) return `${+(value / 1e9).toFixed(2)}B`;
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${value}`;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

const date = (seconds) => dateFormat.format(new Date(Number(seconds) * 1000));
const dateTime = (seconds) => `${dateTimeFormat.format(new Date(Number(seconds) * 1000))} UTC`;

/** "in 3 months", "2 days ago", relative to the chain's time. */
function relative(seconds) {
  const delta = Number(seconds) - chainNow;
  const abs = Math.abs(delta);
  const units = [
    ["year", 365.25 * 86400],
    ["month", 30.44 * 86400],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) if (abs >= size) return relativeFormat.format(Math.round(delta / size), unit);
  return "now";
}

const short = (hex) => `${hex.slice(0, 6)}…${hex.slice(-4)}`;
const shortAddress = (hex) => el("code", { title: hex, class: "address" }, short(hex));
const modelName = (id) => modelNames.get(id.toLowerCase()) ?? short(id);

// ------------------------------------------------------------------ DOM helpers

/** el("td", { class: "num" }, "text", child) */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(key, value);
  for (const child of children.flat())
    if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function showError(section, message) {
  const box = document.querySelector(`#${section} .error`);
  box.textContent = message;
  box.hidden = message === "";
}

function table(caption, headers, rows, numeric = []) {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        headers.map((h, i) => el("th", { scope: "col", class: numeric.includes(i) ? "num" : undefined }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((cells) =>
        el(
          "tr",
          {},
          cells.map((c, i) => el("td", { class: numeric.includes(i) ? "num" : undefined }, c)),
        ),
      ),
    ),
  );
}

const when = (seconds) =>
  el(
    "time",
    { datetime: new Date(Number(seconds) * 1000).toISOString(), title: dateTime(seconds) },
    `${date(seconds)} (${relative(seconds)})`,
  );

// ------------------------------------------------------------------ statistics

async function loadStats() {
  try {
    const s = await api("/stats");
    chainNow = Number(s.block.timestamp) || chainNow;
    document.getElementById("as-of").textContent =
      `As of block ${group(String(s.block.number))}, ${dateTime(s.block.timestamp)} (the chain's time).`;
    const items = [
      ["Total supply", opg(s.totalSupply.wei, 0)],
      ["Circulating", opg(s.circulating.wei, 0)], // the one definition: /supply/circulating
      ["Burned", opg(s.burned.wei)],
      ["Staked", opg(s.totalStaked.wei, 0)],
      ["In escrow", opg(s.escrowBalance.wei)],
      ["Operators", group(String(s.operators))],
      ["Nodes", `${group(String(s.activeNodes))} active of ${group(String(s.nodes))}`],
      ["Models", group(String(s.models))],
      ["Payments", group(String(s.inferencesPaid))],
      ["Payment volume", opg(s.paymentsVolume.wei)],
      ["Fees burned", opg(s.feesBurned.wei, 4)],
      ["Proof records", `${group(String(s.proofsCommitted))} in ${group(String(s.proofBatches))} batches`],
      [
        "Challenges",
        `${s.challenges.open} open, ${s.challenges.upheld} upheld, ${s.challenges.rejected} rejected, ` +
          `${s.challenges.expired} expired, ${s.challenges.superseded} superseded`,
      ],
    ];
    const list = document.querySelector("#stats dl");
    list.replaceChildren(...items.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value))));
    showError("stats", "");
  } catch (error) {
    document.getElementById("as-of").textContent = "The network's state could not be loaded; times are your device's.";
    showError("stats", `Could not load the network statistics: ${error.message}`);
  }
}

// ------------------------------------------------------------------ unlock chart

const CATEGORY_NAMES = {};

function drawChart(data) {
  const container = document.getElementById("unlock-chart");
  const months = data.months;
  if (months.length === 0) throw new ApiError("/unlocks has no months");
  const keys = data.categories.map((c) => c.key);
  keys.forEach((k, i) => (CATEGORY_NAMES[k] = data.categories[i].name ?? k));
  const width = 900;
  const height = 380;
  const margin = { top: 16, right: 24, bottom: 40, left: 64 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const t0 = Number(data.tge);
  const t1 = Math.max(Number(data.lastUnlock), t0 + 1);
  const maxTotal = Math.max(...months.map((m) => opgNumber(m.unlocked.wei)), 1);
  const step = niceStep(maxTotal / 4);
  const yMax = Math.ceil(maxTotal / step) * step;
  const x = (t) => margin.left + ((Number(t) - t0) / (t1 - t0)) * innerW;
  const y = (v) => margin.top + innerH - (v / yMax) * innerH;

  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": "chart-title chart-desc",
    class: "unlock-chart",
  });
  const last = months[months.length - 1];
  chart.append(
    svg("title", { id: "chart-title" }, "Unlocked OPG by category over time"),
    svg(
      "desc",
      { id: "chart-desc" },
      `Stacked areas from ${date(data.tge)} to ${date(data.lastUnlock)}, reaching ${opg(last.unlocked.wei, 0)}.`,
    ),
  );

  // Grid and y axis.
  const axis = svg("g", { class: "axis" });
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    axis.append(
      svg("line", { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), class: "grid" }),
      svg("text", { x: margin.left - 8, y: y(v) + 4, "text-anchor": "end" }, compact(v)),
    );
  }
  // X axis: one label a year after TGE.
  for (let t = t0, i = 0; t <= t1; t += 365.25 * 86400, i++) {
    axis.append(
      svg("line", { x1: x(t), x2: x(t), y1: margin.top + innerH, y2: margin.top + innerH + 5, class: "tick" }),
      svg("text", { x: x(t), y: height - 20, "text-anchor": "middle" }, i === 0 ? "TGE" : `+${i}y`),
      svg(
        "text",
        { x: x(t), y: height - 6, "text-anchor": "middle", class: "small" },
        new Date(t * 1000).getUTCFullYear(),
      ),
    );
  }
  axis.append(
    svg(
      "text",
      {
        x: 12,
        y: margin.top + innerH / 2,
        transform: `rotate(-90 12 ${margin.top + innerH / 2})`,
        "text-anchor": "middle",
      },
      "OPG unlocked",
    ),
  );
  chart.append(axis);

  // Stacked areas, first category at the bottom.
  const base = months.map(() => 0);
  const areas = svg("g", { class: "areas" });
  keys.forEach((key, i) => {
    const top = months.map((m, j) => base[j] + opgNumber(m.byCategory[key]?.wei ?? "0"));
    const upper = months.map((m, j) => `${x(m.time).toFixed(1)},${y(top[j]).toFixed(1)}`);
    const lower = months.map((m, j) => `${x(m.time).toFixed(1)},${y(base[j]).toFixed(1)}`).reverse();
    const total = data.categories[i].total;
    areas.append(
      svg(
        "path",
        {
          d: `M${upper.join("L")}L${lower.join("L")}Z`,
          fill: COLORS[i % COLORS.length],
          class: "area",
          "data-category": key,
        },
        svg("title", {}, `${CATEGORY_NAMES[key]}: ${opg(total.wei, 0)} in all`),
      ),
    );
    top.forEach((v, j) => (base[j] = v));
  });
  chart.append(areas);

  // One invisible column a month, whose tooltip lists that month.
  const columns = svg("g", { class: "columns" });
  months.forEach((m, j) => {
    const left = j === 0 ? x(m.time) : (x(months[j - 1].time) + x(m.time)) / 2;
    const right = j === months.length - 1 ? x(m.time) : (x(m.time) + x(months[j + 1].time)) / 2;
    const lines = keys.map((k) => `${CATEGORY_NAMES[k]}: ${opg(m.byCategory[k]?.wei ?? "0", 0)}`);
    columns.append(
      svg(
        "rect",
        { x: left, y: margin.top, width: Math.max(right - left, 1), height: innerH, class: "column" },
        svg("title", {}, `${date(m.time)}: ${opg(m.unlocked.wei, 0)} unlocked\n${lines.join("\n")}`),
      ),
    );
  });
  chart.append(columns);

  // Cliffs: where a category that had nothing at TGE starts to vest (the slope changes there; no lump).
  for (const cliff of cliffs(data, keys)) {
    const cx = x(cliff.time);
    chart.append(
      svg(
        "g",
        { class: "cliff" },
        svg("line", { x1: cx, x2: cx, y1: margin.top + 18, y2: margin.top + innerH }),
        svg("text", { x: cx + 4, y: margin.top + 34 }, `cliff, ${date(cliff.time)}:`),
        svg("text", { x: cx + 4, y: margin.top + 48 }, `${compact(cliff.amount)} OPG start to vest`),
        svg("title", {}, `${cliff.names.join(" and ")} start to vest on ${date(cliff.time)}`),
      ),
    );
  }

  // Today: the chain's time.
  if (chainNow >= t0 && chainNow <= t1) {
    const tx = x(chainNow);
    chart.append(
      svg(
        "g",
        { class: "today" },
        svg("line", { x1: tx, x2: tx, y1: margin.top, y2: margin.top + innerH }),
        svg("text", { x: tx + 4, y: margin.top + 12 }, `today, ${date(chainNow)}`),
      ),
    );
  }
  container.replaceChildren(chart);

  // Legend: each category's colour, unlocked today and in all; the totals.
  const today = pointAt(months, keys, chainNow);
  const legend = document.getElementById("unlock-legend");
  legend.replaceChildren(
    ...data.categories.map((c, i) =>
      el(
        "li",
        { "data-category": c.key },
        el("span", { class: "swatch", style: `background:${COLORS[i % COLORS.length]}`, "aria-hidden": "true" }),
        el(
          "span",
          { class: "entry" },
          el("span", { class: "name" }, CATEGORY_NAMES[c.key]),
          el(
            "span",
            { class: "amounts" },
            `${opg(today?.byCategory[c.key]?.wei ?? "0", 0)} unlocked of ${opg(c.total.wei, 0)}`,
          ),
        ),
      ),
    ),
  );
  const total = data.categories.reduce((sum, c) => sum + BigInt(c.total.wei), 0n);
  const next = months.find((m) => Number(m.time) > chainNow);
  document
    .getElementById("unlock-totals")
    .replaceChildren(
      el("span", {}, "Unlocked today, by the schedules: "),
      el(
        "strong",
        { id: "unlocked-today", "data-wei": today?.unlocked.wei ?? "0", "data-time": String(chainNow) },
        today ? opg(today.unlocked.wei, 0) : "before TGE",
      ),
      el("span", {}, " (unlocked OPG that is staked, in escrow or still in the vault does not circulate)"),
      el("span", {}, ". At the last unlock, "),
      el(
        "time",
        { datetime: new Date(Number(data.lastUnlock) * 1000).toISOString() },
        `${date(data.lastUnlock)} (${relative(data.lastUnlock)})`,
      ),
      el("span", {}, ": "),
      el("strong", { id: "unlock-total", "data-wei": last.unlocked.wei }, opg(last.unlocked.wei, 0)),
      el("span", {}, ` (categories: ${opg(total.toString(), 0)}).`),
      next ? el("span", {}, ` Next month, ${date(next.time)}: ${opg(next.unlocked.wei, 0)}.`) : null,
    );
}

/** The times at which categories with nothing at TGE start to vest, with the amount that starts then. */
function cliffs(data, keys) {
  const months = data.months;
  const found = new Map();
  keys.forEach((key, i) => {
    if (BigInt(months[0].byCategory[key]?.wei ?? "0") !== 0n) return;
    const first = months.findIndex((m) => BigInt(m.byCategory[key]?.wei ?? "0") > 0n);
    // A linear emission starts at TGE; a cliff leaves at least a month of nothing.
    if (first <= 1) return;
    const time = Number(months[first - 1].time);
    const entry = found.get(time) ?? { time, amount: 0, names: [] };
    entry.amount += opgNumber(data.categories[i].total.wei);
    entry.names.push(CATEGORY_NAMES[key]);
    found.set(time, entry);
  });
  return [...found.values()];
}

/**
 * What has unlocked at `t` (the chain's time), each category interpolated linearly between the month points around
 * it (undefined before TGE; the last point after the last unlock).
 */
function pointAt(months, keys, t) {
  const after = months.findIndex((m) => Number(m.time) > t);
  if (after === 0) return undefined;
  if (after === -1) return months[months.length - 1];
  const a = months[after - 1];
  const b = months[after];
  const span = BigInt(Number(b.time) - Number(a.time));
  const into = BigInt(Math.floor(t) - Number(a.time));
  const lerp = (x, y) => (BigInt(x) + ((BigInt(y) - BigInt(x)) * into) / span).toString();
  const byCategory = {};
  let unlocked = 0n;
  for (const key of keys) {
    const wei = lerp(a.byCategory[key]?.wei ?? "0", b.byCategory[key]?.wei ?? "0");
    byCategory[key] = { wei };
    unlocked += BigInt(wei);
  }
  return { time: String(t), unlocked: { wei: unlocked.toString() }, byCategory };
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * power >= raw) return f * power;
  return 10 * power;
}

async function loadUnlocks() {
  try {
    drawChart(await api("/unlocks"));
    showError("unlocks", "");
  } catch (error) {
    showError("unlocks", `Could not draw the unlock chart: ${error.message}`);
  }
}

// ------------------------------------------------------------------ address search

function schedulesView(data) {
  if (data.schedules.length === 0) return el("p", { class: "empty" }, "No vesting schedules for this address.");
  const rows = data.schedules.map((s) => {
    const next = s.nextUnlocks[0];
    return [
      `#${s.id}${s.revoked ? " (revoked)" : ""}`,
      opg(s.total.wei, 0),
      opg(s.vested.wei),
      opg(s.released.wei),
      opg(s.releasable.wei),
      el(
        "span",
        {},
        `${date(s.start)} → ${date(s.end)}`,
        Number(s.cliff) > Number(s.start) ? el("br") : null,
        Number(s.cliff) > Number(s.start) ? `cliff ${date(s.cliff)} (${relative(s.cliff)})` : null,
        el("br"),
        `${s.shape}${s.revocable ? ", revocable" : ""}`,
      ),
      next ? el("span", {}, when(next.time), el("br"), `${opg(next.vested.wei, 0)} vested by then`) : "fully vested",
    ];
  });
  return el(
    "div",
    { class: "schedules" },
    el(
      "p",
      { class: "summary" },
      `${data.schedules.length} schedule${data.schedules.length === 1 ? "" : "s"}: ${opg(data.total.wei, 0)} in all, `,
      `${opg(data.vested.wei)} vested, ${opg(data.released.wei)} released, ${opg(data.releasable.wei)} releasable now.`,
    ),
    table(
      "Vesting schedules",
      ["Schedule", "Total", "Vested", "Released", "Releasable", "Terms", "Next unlock"],
      rows,
      [1, 2, 3, 4],
    ),
  );
}

function paymentsView(address, payments, nextCursor) {
  if (payments.length === 0) return el("p", { class: "empty" }, "No payments to or from this address.");
  const lower = address.toLowerCase();
  const role = (p) =>
    [
      p.payer === lower ? "payer" : null,
      p.operator === lower ? "operator" : null,
      p.modelOwner === lower ? "model owner" : null,
    ]
      .filter(Boolean)
      .join(", ");
  const rows = payments.map((p) => [
    when(p.timestamp),
    p.kind,
    role(p),
    `#${p.nodeId}`,
    modelName(p.modelId),
    MODE_LABELS[p.mode] ?? p.mode,
    opg(p.gross.wei, 4),
    opg(p.nodeShare.wei, 4),
    opg(p.royalty.wei, 4),
    opg(p.protocolFee.wei, 4),
  ]);
  return el(
    "div",
    { class: "payments" },
    table(
      "Payments",
      ["When", "Kind", "Role", "Node", "Model", "Mode", "Paid", "To the node", "Royalty", "Fee"],
      rows,
      [6, 7, 8, 9],
    ),
    nextCursor ? el("button", { type: "button", class: "more" }, "Older payments") : null,
  );
}

async function operatorView(address) {
  const o = await api(`/operators/${address}`);
  if (o.nodes.length === 0 && o.activeStake.wei === "0" && o.slashes.length === 0) return null;
  const own = o.ownStake;
  return el(
    "div",
    { class: "operator" },
    el("h3", {}, "As an operator"),
    el(
      "p",
      {},
      `Active stake ${opg(o.activeStake.wei, 0)} (own ${opg(o.ownActive.wei, 0)}, delegated ${opg(o.delegated.wei, 0)}), `,
      `${o.nodes.length} node${o.nodes.length === 1 ? "" : "s"}, slashed ${opg(o.slashed.wei)} in ${o.slashes.length} slash${o.slashes.length === 1 ? "" : "es"}.`,
    ),
    el(
      "p",
      { class: "own-stake" },
      `Own stake ${opg(own.own.wei, 0)} of ${opg(own.required.wei, 0)} required ` +
        `(${opg(own.minimumPerNode.wei, 0)} per active node)${own.covered ? "" : ": not covered, its nodes do not serve"}. `,
      `Locked by pending challenges: ${opg(o.lockedStake.wei)}.`,
    ),
    o.pendingChallenges.length
      ? table(
          "Pending challenges",
          ["Challenge", "Node", "Locked", "Decide by"],
          o.pendingChallenges.map((x) => [
            el("code", {}, `${x.id.slice(0, 10)}…`),
            `#${x.nodeId}`,
            opg(x.lockedStake.wei, 4),
            when(x.decideBy),
          ]),
          [2],
        )
      : null,
  );
}

/** The address's free balance and its escrow with each operator (as a payer), and payers' escrows with it. */
async function escrowsView(address) {
  const e = await api(`/escrows/${address}`);
  if (e.escrows.length === 0 && e.escrowsAsOperator.length === 0 && e.balance.wei === "0") return null;
  const row = (x, who) => [
    el("code", {}, who),
    opg(x.balance.wei, 4),
    opg(x.thawing.wei, 4),
    x.thawEndsAt === "0" ? "—" : when(x.thawEndsAt),
    opg(x.paid.wei, 4),
  ];
  const headers = ["", "Balance", "Thawing", "Withdrawable from", "Paid"];
  return el(
    "div",
    { class: "escrows" },
    el("h3", {}, "Escrows"),
    el("p", {}, `Free balance ${opg(e.balance.wei, 4)} (requests and new escrows draw on it).`),
    e.escrows.length
      ? table(
          "Escrows with operators",
          ["Operator", ...headers.slice(1)],
          e.escrows.map((x) => row(x, x.operator)),
          [1, 2, 4],
        )
      : null,
    e.escrowsAsOperator.length
      ? table(
          "Escrows of payers with this operator",
          ["Payer", ...headers.slice(1)],
          e.escrowsAsOperator.map((x) => row(x, x.payer)),
          [1, 2, 4],
        )
      : null,
  );
}

async function search(address) {
  const result = document.getElementById("search-result");
  showError("search", "");
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    result.replaceChildren();
    showError("search", `"${address}" is not an address: expected 0x and 40 hexadecimal digits.`);
    return;
  }
  result.replaceChildren(el("p", { class: "loading" }, "Loading…"));
  history.replaceState(null, "", `#address=${address}`);
  try {
    const [unlocks, payments, operator, escrows] = await Promise.all([
      api(`/unlocks/${address}?at=${chainNow}`),
      api(`/payments/${address}?limit=20`),
      operatorView(address).catch(() => null),
      escrowsView(address).catch(() => null),
    ]);
    const list = [...payments.payments];
    const paymentsBox = el("div");
    const renderPayments = (cursor) => {
      const view = paymentsView(address, list, cursor);
      view.querySelector("button.more")?.addEventListener("click", async () => {
        try {
          const more = await api(`/payments/${address}?limit=20&cursor=${encodeURIComponent(cursor)}`);
          list.push(...more.payments);
          renderPayments(more.nextCursor);
        } catch (error) {
          showError("search", `Could not load older payments: ${error.message}`);
        }
      });
      paymentsBox.replaceChildren(view);
    };
    renderPayments(payments.nextCursor);
    // replaceChildren would write a null as the text "null": only the parts this address has.
    const parts = [
      el("h3", {}, "Unlocks of ", el("code", {}, unlocks.address)),
      schedulesView(unlocks),
      unlocks.schedules.length
        ? el(
            "a",
            {
              class: "download",
              id: "unlocks-csv",
              href: `/unlocks/${address}?at=${chainNow}&format=csv`,
              download: "",
            },
            "Download the schedules as CSV",
          )
        : null,
      el("h3", {}, "Payment history"),
      paymentsBox,
      payments.payments.length
        ? el(
            "a",
            { class: "download", id: "payments-csv", href: `/payments/${address}?format=csv`, download: "" },
            "Download the payments as CSV (the newest 10,000; amounts in OPG and wei)",
          )
        : null,
      escrows,
      operator,
    ];
    result.replaceChildren(...parts.filter((part) => part !== null));
  } catch (error) {
    result.replaceChildren();
    showError("search", `Could not look up ${address}: ${error.message}`);
  }
}

// ------------------------------------------------------------------ nodes

let allNodes = [];

async function loadNodes() {
  try {
    const data = await graphql(`
      {
        models(limit: 1000) {
          items {
            id
            metadataURI
          }
        }
        nodes(limit: 1000, orderBy: "id") {
          items {
            id
            operator
            metadataURI
            modes
            capacity
            priceNone
            priceTee
            priceZk
            active
            jailedUntil
            lastSeen
          }
        }
        nodeModels(limit: 1000) {
          items {
            nodeId
            modelId
          }
        }
      }
    `);
    modelNames = new Map(
      data.models.items.map((m) => [m.id.toLowerCase(), m.metadataURI.split("/").pop() || short(m.id)]),
    );
    const select = document.getElementById("filter-model");
    select.replaceChildren(
      el("option", { value: "" }, "every model"),
      ...data.models.items.map((m) => el("option", { value: m.id }, modelNames.get(m.id.toLowerCase()))),
    );
    allNodes = data.nodes.items.map((n) => ({
      ...n,
      models: data.nodeModels.items.filter((m) => m.nodeId === n.id).map((m) => m.modelId),
    }));
    await renderNodes();
  } catch (error) {
    showError("nodes", `Could not load the nodes: ${error.message}`);
  }
}

async function renderNodes() {
  const model = document.getElementById("filter-model").value;
  const mode = document.getElementById("filter-mode").value;
  const box = document.getElementById("node-list");
  delete box.dataset.filter;
  showError("nodes", "");
  try {
    let rows;
    if (model && mode) {
      // Who can serve this model with this mode now: the indexer's eligibility rules.
      const answer = await api(`/nodes?model=${model}&mode=${mode}`);
      rows = answer.nodes.map((n) => [
        `#${n.id}`,
        shortAddress(n.operator),
        n.metadataURI,
        opg(n.price.wei, 4),
        opg(n.stake.wei, 0),
        String(n.capacity),
        when(n.lastSeen),
      ]);
      box.replaceChildren(
        rows.length
          ? table(
              `Nodes that serve ${modelName(model)} with ${MODE_LABELS[mode]} now`,
              ["Node", "Operator", "Endpoint", "Price", "Operator stake", "Capacity", "Last seen"],
              rows,
              [3, 4, 5],
            )
          : el("p", { class: "empty" }, `No node can serve ${modelName(model)} with ${MODE_LABELS[mode]} now.`),
      );
      return;
    }
    const modeBit = mode ? 1 << MODE_NAMES.indexOf(mode) : 0;
    const shown = allNodes.filter(
      (n) => (!model || n.models.includes(model)) && (!modeBit || (n.modes & modeBit) !== 0),
    );
    rows = shown.map((n) => {
      const modes = MODE_NAMES.filter((_, i) => (n.modes & (1 << i)) !== 0);
      const prices = { none: n.priceNone, tee: n.priceTee, zk: n.priceZk };
      const jailed = Number(n.jailedUntil) > chainNow;
      return [
        `#${n.id}`,
        shortAddress(n.operator),
        n.models.map(modelName).join(", "),
        modes.map((m) => MODE_LABELS[m]).join(", "),
        modes.map((m) => `${MODE_LABELS[m]} ${opg(prices[m], 4)}`).join(", "),
        String(n.capacity),
        !n.active ? "deregistered" : jailed ? `jailed until ${date(n.jailedUntil)}` : "active",
        when(n.lastSeen),
      ];
    });
    box.replaceChildren(
      rows.length
        ? table(
            `${rows.length} node${rows.length === 1 ? "" : "s"}`,
            ["Node", "Operator", "Models", "Modes", "Price per inference", "Capacity", "Status", "Last seen"],
            rows,
            [5],
          )
        : el("p", { class: "empty" }, "No node matches these filters."),
    );
  } catch (error) {
    box.replaceChildren();
    showError("nodes", `Could not list the nodes: ${error.message}`);
  } finally {
    box.dataset.filter = `${model}|${mode}`; // what the list shows now (tests wait for it)
  }
}

// ------------------------------------------------------------------ start

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search(document.getElementById("address").value.trim());
});
document.getElementById("node-filters").addEventListener("change", () => renderNodes());

// ------------------------------------------------------------------ challenges

/** The challenges waiting for the arbiter, the nearest deadline first. */
async function loadChallenges() {
  const box = document.getElementById("challenge-list");
  try {
    const data = await graphql(`
      {
        proofChallenges(where: { status: "pending" }, orderBy: "decideBy", orderDirection: "asc", limit: 100) {
          items {
            id
            nodeId
            operator
            challenger
            lockedStake
            decideBy
          }
        }
      }
    `);
    const items = data.proofChallenges.items;
    box.replaceChildren(
      items.length === 0
        ? el("p", { class: "empty" }, "No challenge is waiting for a decision.")
        : table(
            "Open challenges",
            ["Node", "Challenger", "Locked", "Decide by"],
            items.map((x) => [`#${x.nodeId}`, el("code", {}, x.challenger), opg(x.lockedStake, 4), when(x.decideBy)]),
            [2],
          ),
    );
    showError("challenges", "");
  } catch (error) {
    showError("challenges", `Could not load the open challenges: ${error.message}`);
  }
}

/**
 * While the indexer catches up with the chain its figures answer 503 (a partial state is never shown): say so, and
 * wait, asking again after the Retry-After it gives.
 */
async function untilCaughtUp() {
  for (;;) {
    try {
      await api("/stats");
      return;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503) return; // loadStats shows any other failure
      document.getElementById("as-of").textContent =
        `The indexer is catching up with the chain; this page fills in when it has (${error.message.replace(/^\/stats answered 503: /, "")}).`;
      await new Promise((resolve) => setTimeout(resolve, Math.min(error.retryAfter || 5, 30) * 1000));
    }
  }
}

async function start() {
  await untilCaughtUp();
  await loadStats(); // first: the chain's time is "today" for everything else
  await Promise.all([loadUnlocks(), loadNodes(), loadChallenges()]);
  // An address in the URL (#address=0x…) is looked up; a wrong one is said to be wrong, not ignored.
  const fromHash = /^#address=(.*)$/.exec(location.hash);
  if (fromHash) {
    const given = decodeURIComponent(fromHash[1]).trim();
    document.getElementById("address").value = given;
    await search(given);
  }
  document.body.dataset.ready = "true";
}

start();
