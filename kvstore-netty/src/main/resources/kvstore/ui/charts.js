// A few live figures from GET /metrics, read every two seconds and drawn as small SVG line charts of the
// last two minutes: live keys, requests answered per second (the console's own included), and the mean
// time of one fsync of the log over each interval (a gap where nothing was fsynced).
import { el, fill } from "./dom.js";

const EVERY_MS = 2000;
const SAMPLES = 60;
const WIDTH = 240;
const HEIGHT = 60;
const SVG = "http://www.w3.org/2000/svg";

const CHARTS = [
  { id: "chart-keys", title: "live keys", unit: "", of: (now) => now.keys },
  { id: "chart-rps", title: "requests per second", unit: "/s", of: (now, before, dt) => before && (now.requests - before.requests) / dt },
  {
    id: "chart-fsync", title: "fsync time (mean)", unit: " ms",
    of: (now, before) => before && now.fsyncs > before.fsyncs ? 1000 * (now.fsyncSeconds - before.fsyncSeconds) / (now.fsyncs - before.fsyncs) : null,
  },
];

export class Figures {
  constructor(api, root) {
    this.api = api;
    this.root = root;
    this.before = null;
    this.series = CHARTS.map(() => []);
    fill(root, CHARTS.map((c) => el("figure", { class: "chart", id: c.id },
      el("figcaption", {}, c.title, ": ", el("output", {}, "–")))));
    CHARTS.forEach((c, i) => this.root.children[i].append(svg(c.title)));
  }

  start() {
    this.tick();
  }

  async tick() {
    try {
      const response = await this.api.fetch("GET", "/metrics");
      if (response.ok) this.add(read(await response.text()));
      else await response.arrayBuffer();
    } catch {
      // the server is away: the charts pause; the next tick tries again
    }
    setTimeout(() => this.tick(), EVERY_MS);
  }

  add(now) {
    const dt = this.before ? (now.at - this.before.at) / 1000 : 0;
    CHARTS.forEach((c, i) => {
      const points = this.series[i];
      points.push(c.of(now, this.before, dt) ?? null);
      if (points.length > SAMPLES) points.shift();
      draw(this.root.children[i], points, c.unit);
    });
    this.before = now;
  }
}

/** The figures the charts need, from the Prometheus text. */
function read(text) {
  const sums = new Map();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{.*\})?\s+(\S+)/.exec(line);
    if (m) sums.set(m[1], (sums.get(m[1]) ?? 0) + Number(m[2]));
  }
  return {
    at: performance.now(),
    keys: sums.get("kvstore_keys") ?? null,
    requests: sums.get("kvstore_http_requests_total") ?? 0,
    fsyncs: sums.get("kvstore_wal_fsync_duration_seconds_count") ?? 0,
    fsyncSeconds: sums.get("kvstore_wal_fsync_duration_seconds_sum") ?? 0,
  };
}

function svg(title) {
  const s = document.createElementNS(SVG, "svg");
  s.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  s.setAttribute("role", "img");
  s.setAttribute("aria-label", title + ", the last two minutes");
  for (const kind of ["axis", "line"]) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("class", kind);
    s.append(p);
  }
  s.querySelector(".axis").setAttribute("d", `M0 ${HEIGHT - 0.5}H${WIDTH}`);
  return s;
}

/** Redraws one chart: the line scaled to its highest point, a gap where a sample is missing. */
function draw(figure, points, unit) {
  const highest = Math.max(...points.filter((v) => v !== null), 0);
  const top = highest || 1;
  const step = WIDTH / (SAMPLES - 1);
  let d = "";
  let pen = "M";
  points.forEach((v, i) => {
    if (v === null) {
      pen = "M";
      return;
    }
    const x = (SAMPLES - points.length + i) * step;
    const y = HEIGHT - 2 - (v / top) * (HEIGHT - 6);
    d += `${pen}${x.toFixed(1)} ${y.toFixed(1)}`;
    pen = "L";
  });
  figure.querySelector(".line").setAttribute("d", d);
  const last = points[points.length - 1];
  figure.querySelector("output").textContent = last === null ? "–" : round(last) + unit + ` (highest ${round(highest)}${unit})`;
}

function round(v) {
  return v >= 100 ? Math.round(v).toLocaleString("en") : Number(v.toPrecision(3)).toString();
}
