// The key list: one page of the keys under a prefix (GET /kv?prefix=&limit=&after=&values=true), kept current
// by a watch on that prefix from the listing's revision + 1, so no change between the listing and the watch
// is missed. A change to a key inside the page's range of keys updates, adds or removes its row; the pager
// keeps the "after" key of every page the user went through, so "Previous page" goes back exactly.
import { el, fill, compareKeys, seconds } from "./dom.js";
import { format, member, numberOf, stringOf } from "./json.js";
import { Watch } from "./events.js";

const PREVIEW_CHARS = 80;
const FLASH_MS = 1500;

export class KeyList {
  /** `onChoose(key)` opens a key; `onChange(key, event, revision, data)` hears every watched change;
   *  `onLive(state)` how the watch is. */
  constructor(api, onChoose, onChange, onLive) {
    this.api = api;
    this.onChoose = onChoose;
    this.onChange = onChange;
    this.onLive = onLive;
    this.table = document.getElementById("key-table");
    this.body = this.table.querySelector("tbody");
    this.status = document.getElementById("list-status");
    this.prev = document.getElementById("prev-page");
    this.next = document.getElementById("next-page");
    this.prev.addEventListener("click", () => this.turn(-1));
    this.next.addEventListener("click", () => this.turn(1));
    this.prefix = "";
    this.pageSize = 25;
    this.afters = [null]; // the "after" key of each page so far; the last one is the page shown
    this.rows = [];
    this.more = null; // the listing's "next": more keys follow the page
    this.watch = null;
    this.loads = 0; // listings asked for so far: only the latest one is shown
    this.listed = false; // a listing is shown (and followed)
  }

  browse(prefix, pageSize) {
    this.prefix = prefix;
    this.pageSize = pageSize;
    this.afters = [null];
    return this.load();
  }

  turn(step) {
    if (step > 0 && this.more !== null) this.afters.push(this.more);
    else if (step < 0 && this.afters.length > 1) this.afters.pop();
    else return;
    return this.load();
  }

  async load() {
    const after = this.afters[this.afters.length - 1];
    const query = new URLSearchParams({ prefix: this.prefix, limit: String(this.pageSize), values: "true" });
    if (after !== null) query.set("after", after);
    const asked = ++this.loads;
    const res = await this.api.call("GET", "/kv?" + query);
    if (asked !== this.loads) return; // the user asked for another page meanwhile
    if (!res.ok) {
      this.status.textContent = "Could not list: " + (stringOf(member(res.node, "error")) || res.status);
      return;
    }
    const items = member(res.node, "items");
    this.rows = items ? items.items.map(rowOf) : member(res.node, "keys").items.map((k) => ({ key: k.value }));
    this.more = stringOf(member(res.node, "next")) ?? null;
    const header = res.headers.get("X-Kvstore-Revision");
    this.revision = numberOf(member(res.node, "revision")) ?? (header === null ? undefined : Number(header));
    this.listed = true;
    this.render();
    this.follow(this.revision);
  }

  /** Watches the prefix from the change after `revision` (or from now on, when the listing named none). */
  follow(revision) {
    if (this.watch) this.watch.stop();
    const query = new URLSearchParams({ prefix: this.prefix });
    this.watch = new Watch(this.api, query.toString(), revision === undefined ? null : revision + 1,
      (e) => this.changed(e), (state) => {
        if (state === "ended") this.load(); // fell behind the server's history: list again, watch again
        else this.onLive(state);
      });
  }

  /** Closes the watch while the page is hidden: a browser gives each server six connections, and a hidden
   *  tab's stream would hold one of them for nothing. */
  pause() {
    if (this.watch) this.watch.stop();
    this.watch = null;
  }

  /** Watches again from the change after the last one seen, so none is missed. */
  resume() {
    if (!this.watch && this.listed) this.follow(this.revision);
  }

  changed({ id, event, data }) {
    if (event === "progress" || id === null) return;
    this.revision = id;
    const key = stringOf(member(data, "key"));
    this.onChange(key, event, id, data);
    if (!this.holds(key)) return;
    const at = this.rows.findIndex((r) => r.key === key);
    if (event === "put") {
      const row = { ...rowOf(data), modRevision: id, flash: true };
      if (at >= 0) this.rows[at] = row;
      else this.rows.splice(this.insertionPoint(key), 0, row);
    } else if (at >= 0) {
      this.rows.splice(at, 1);
    }
    this.render();
  }

  /** Whether `key` belongs on the page shown: after its "after" key, and not past its last one when more follow. */
  holds(key) {
    const after = this.afters[this.afters.length - 1];
    if (after !== null && compareKeys(key, after) <= 0) return false;
    if (this.more !== null && this.rows.length > 0 && compareKeys(key, this.rows[this.rows.length - 1].key) > 0) return false;
    return true;
  }

  insertionPoint(key) {
    const i = this.rows.findIndex((r) => compareKeys(key, r.key) < 0);
    return i < 0 ? this.rows.length : i;
  }

  render() {
    const page = this.afters.length;
    const shown = this.rows.length;
    const under = this.prefix ? ` starting with ${JSON.stringify(this.prefix)}` : "";
    this.status.textContent = shown === 0 && page === 1
      ? (this.prefix ? `No keys${under}.` : "The store is empty.")
      : `Page ${page} of the keys${under}: ${shown} shown` + (this.revision === undefined ? "" : `, as of revision ${this.revision}`);
    this.table.dataset.prefix = this.prefix;
    this.table.dataset.page = String(page);
    fill(this.body, this.rows.map((r) => this.row(r)));
    this.prev.disabled = page === 1;
    this.next.disabled = this.more === null;
    document.getElementById("page-label").textContent = `page ${page}`;
  }

  row(r) {
    const tr = el("tr", { class: r.flash ? "flash" : undefined, "data-key": r.key },
      el("td", { class: "key" }, el("button", { type: "button", class: "link", onclick: () => this.onChoose(r.key) }, r.key)),
      el("td", { class: "preview wide" }, r.value === undefined ? "" : preview(r.value)),
      el("td", { class: "number" }, r.version === undefined ? "" : String(r.version)),
      el("td", { class: "number wide" }, r.modRevision === undefined ? "" : String(r.modRevision)),
      el("td", { class: "wide" }, r.ttl === undefined ? "" : seconds(r.ttl)));
    if (r.flash) {
      r.flash = false;
      setTimeout(() => tr.classList.remove("flash"), FLASH_MS);
    }
    return tr;
  }
}

/** A listing item or a watch event's data, as a row. */
function rowOf(node) {
  return {
    key: stringOf(member(node, "key")),
    value: member(node, "value"),
    version: numberOf(member(node, "version")),
    modRevision: numberOf(member(node, "mod_revision")),
    ttl: numberOf(member(node, "ttl")),
  };
}

function preview(value) {
  const text = format(value, "");
  return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS - 1) + "…" : text;
}
