// The cluster as the member serving the console sees it: GET /cluster (members, role, leader, term, indexes)
// and GET /ready, read every second while the view is open. A single server answers /cluster with 404: then
// the view says so and stops asking.
import { el, figure, fill } from "./dom.js";
import { member, numberOf, stringOf } from "./json.js";

const EVERY_MS = 1000;

export class ClusterView {
  constructor(api, root) {
    this.api = api;
    this.root = root;
    this.timer = null;
    this.running = 0; // the number of the polling loop that runs, 0 while stopped
    this.loops = 0;
    this.single = false;
    this.leader = undefined;
    this.changes = [];
  }

  start() {
    if (this.running || this.single) return;
    this.running = ++this.loops;
    this.tick(this.running);
  }

  stop() {
    this.running = 0;
    clearTimeout(this.timer);
  }

  async tick(loop) {
    try {
      await this.poll();
    } catch {
      fill(this.root, el("p", { class: "error" }, "The server does not answer."));
    }
    if (this.running === loop && !this.single) this.timer = setTimeout(() => this.tick(loop), EVERY_MS);
  }

  async poll() {
    const cluster = await this.api.call("GET", "/cluster");
    if (cluster.status === 404) {
      this.single = true;
      fill(this.root, el("p", { class: "note" }, "This server runs alone, not as a member of a cluster."));
      return;
    }
    const ready = await this.api.call("GET", "/ready");
    const c = cluster.node;
    const self = stringOf(member(c, "node_id"));
    const leader = stringOf(member(c, "leader")) ?? null;
    const term = numberOf(member(c, "term"));
    if (this.leader !== undefined && leader !== this.leader) {
      this.changes.unshift(`${new Date().toLocaleTimeString()}: leader ${this.leader ?? "none"} → ${leader ?? "none"} (term ${term})`);
      this.changes.length = Math.min(this.changes.length, 5);
    }
    this.leader = leader;
    const commit = numberOf(member(c, "commit_index"));
    const applied = numberOf(member(c, "applied_index"));
    const readiness = stringOf(member(ready.node, "status")) ?? String(ready.status);
    fill(this.root,
      el("dl", { class: "figures" },
        figure("this member", self, "cluster-self"),
        figure("its role", stringOf(member(c, "role")), "cluster-role"),
        figure("leader", leader ?? "none known", "cluster-leader"),
        figure("term", term),
        figure("commit index", commit),
        figure("applied index", applied),
        figure("apply lag", `${commit - applied} committed entries not yet applied here`, "cluster-lag"),
        figure("ready", readiness, "cluster-ready")),
      el("table", { class: "members", id: "members" },
        el("caption", {}, "Members (roles as this member knows them)"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "id"), el("th", { scope: "col" }, "role"),
          el("th", { scope: "col" }, "HTTP"), el("th", { scope: "col" }, "Raft"),
          el("th", { scope: "col", title: "committed entries the member does not hold yet, as the leader sees it" },
            "lag"))),
        el("tbody", {}, member(c, "members").items.map((m) => this.memberRow(m, self, leader)))),
      this.changes.length > 0 && el("ul", { class: "changes", "aria-label": "leader changes" },
        this.changes.map((text) => el("li", {}, text))));
  }

  memberRow(m, self, leader) {
    const id = stringOf(member(m, "id"));
    const http = stringOf(member(m, "http"));
    const role = leader === null ? "unknown" : id === leader ? "leader" : "follower";
    return el("tr", { class: role === "leader" ? "leader" : undefined, "data-member": id },
      el("th", { scope: "row" }, id === self ? `${id} (this member)` : id),
      el("td", {}, role),
      el("td", {}, id === self ? http : el("a", { href: `${location.protocol}//${http}/ui/` }, http)),
      el("td", {}, stringOf(member(m, "raft"))),
      // Only the leader knows how far each member is: on another member's console there is no figure.
      el("td", { class: "lag" }, numberOf(member(m, "lag")) ?? "–"));
  }
}
