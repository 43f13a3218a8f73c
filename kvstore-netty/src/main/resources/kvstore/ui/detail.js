// The right-hand pane: one key's value and revisions, and the forms that change it. Every change is
// conditional, so the console never overwrites what it has not shown: an edit is sent with
// If-Match: "<mod_revision>" of the value the user started from, a new key with If-None-Match: *, a delete
// with If-Match. A 412 on an edit shows both versions and lets the user keep theirs or take the server's.
import { confirmAction } from "./dialogs.js";
import { el, figure, fill, keyPath, seconds } from "./dom.js";
import { format, member, numberOf, parse, stringOf } from "./json.js";

/** A key as GET /kv/{key} (or a 412) showed it: value node (null when absent) and its figures. */
function entryOf(key, node) {
  return {
    key,
    value: node ? member(node, "value") : null,
    createRevision: numberOf(member(node, "create_revision")),
    modRevision: numberOf(member(node, "mod_revision")),
    version: numberOf(member(node, "version")),
    ttl: numberOf(member(node, "ttl")),
    readAt: performance.now(),
  };
}

export class KeyDetail {
  constructor(api, root, say) {
    this.api = api;
    this.root = root;
    this.say = say; // say(text): a message for the status line
    this.entry = null;
    this.mode = "empty"; // "empty" | "view" | "edit" | "conflict" | "busy" (a write of ours is on its way)
    this.pending = null; // the latest change the watch reported while busy
  }

  /** Reads `key` and shows it; `focus` moves the keyboard to it (the user chose it). */
  async show(key, focus = false, note = "") {
    const res = await this.api.call("GET", keyPath(key));
    if (res.status === 404) return this.gone(`The key ${JSON.stringify(key)} does not exist (any more).`);
    if (!res.ok) return this.failed(res);
    this.entry = entryOf(key, res.node);
    this.view(note);
    if (focus) this.root.querySelector("h2").focus();
    const missed = this.pending;
    this.pending = null;
    if (missed) this.changed(missed.key, missed.event, missed.revision, missed.data);
  }

  /** A change the watch reported: its key, event ("put", "delete" or "expire"), revision and data. A put's
   *  data holds the new value and figures, so the pane shows it without asking the server again. */
  changed(key, event, revision, data) {
    if (this.mode === "busy") {
      if (!this.pending || revision > this.pending.revision) this.pending = { key, event, revision, data };
      return; // shown once our write is answered, unless what the pane then reads is newer
    }
    if (!this.entry || this.entry.key !== key) return;
    if (this.entry.modRevision !== undefined && revision <= this.entry.modRevision) return; // seen already
    if (this.mode === "view") {
      if (event === "put") {
        this.entry = { ...entryOf(key, data), modRevision: revision };
        this.view("Another client changed this key just now.");
      } else {
        this.gone(event === "expire" ? `${JSON.stringify(key)} expired just now.`
          : `Another client deleted ${JSON.stringify(key)} just now.`);
      }
    } else if (this.mode === "edit") {
      const what = event === "put" ? `changed (revision ${revision})` : event === "expire" ? "expired" : "deleted";
      this.root.querySelector(".server-note").textContent =
        `On the server this key was ${what} since you began editing: saving will show you both versions.`;
    }
  }

  /** The pane without a key, saying why. */
  gone(note) {
    this.entry = null;
    this.mode = "empty";
    this.pending = null;
    fill(this.root, el("p", { class: "note", role: "status" }, note));
  }

  /** One of our writes. The watch's news meanwhile waits (see changed); an answer that is not a success
   *  gives the pane back to what it was doing. */
  async write(method, key, options) {
    const before = this.mode;
    this.mode = "busy";
    const res = await this.api.call(method, keyPath(key), options);
    if (!res.ok) {
      this.mode = before;
      this.pending = null;
    }
    return res;
  }

  view(note = "") {
    const e = this.entry;
    this.mode = "view";
    // A redraw must not lose the keyboard's place: the same button (or the key's name) keeps the focus.
    const focused = this.root.contains(document.activeElement) ? document.activeElement.textContent : null;
    const ttlLeft = e.ttl === undefined ? null : Math.max(0, e.ttl - (performance.now() - e.readAt) / 1000);
    fill(this.root,
      el("h2", { tabindex: "-1", class: "key-name" }, e.key),
      note && el("p", { class: "note", role: "status" }, note),
      el("dl", { class: "figures" },
        figure("version", e.version), figure("created at revision", e.createRevision),
        figure("modified at revision", e.modRevision),
        figure("expires", ttlLeft === null ? "never" : "in " + seconds(ttlLeft))),
      el("pre", { class: "value", tabindex: "0", "aria-label": "value" }, format(e.value)),
      el("div", { class: "actions" },
        el("button", { type: "button", onclick: () => this.edit() }, "Edit"),
        el("button", { type: "button", class: "danger", onclick: () => this.remove() }, "Delete")));
    if (focused !== null) {
      const same = [...this.root.querySelectorAll("button")].find((b) => b.textContent === focused);
      (same || this.root.querySelector("h2")).focus();
    }
  }

  /** The form for a new key. */
  create(prefix) {
    this.entry = null;
    this.form({ title: "New key", key: prefix, text: "", ttl: "", creating: true });
  }

  edit() {
    const e = this.entry;
    const ttl = e.ttl === undefined ? "" : String(Math.ceil(Math.max(0, e.ttl - (performance.now() - e.readAt) / 1000)));
    this.form({ title: e.key, key: e.key, text: format(e.value), ttl, creating: false });
  }

  form({ title, key, text, ttl, creating }) {
    this.mode = "edit";
    const keyInput = creating && el("input", { id: "edit-key", type: "text", value: key, autocomplete: "off", spellcheck: "false" });
    const value = el("textarea", { id: "edit-value", rows: "12", spellcheck: "false" });
    value.value = text;
    const ttlInput = el("input", { id: "edit-ttl", type: "text", inputmode: "decimal", value: ttl, autocomplete: "off" });
    const error = el("p", { class: "error", role: "alert" });
    const save = async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const request = this.request(creating ? keyInput.value : key, value.value, ttlInput.value);
      if (request.error) {
        error.textContent = request.error;
        return;
      }
      await (creating ? this.saveNew(request, error) : this.save(request, error));
    };
    const form = el("form", { class: "editor", onsubmit: save, onkeydown: (ev) => this.editorKeys(ev, form) },
      el("h2", { tabindex: "-1", class: "key-name" }, title),
      el("p", { class: "note server-note", role: "status" }),
      creating && el("label", { for: "edit-key" }, "key"), keyInput,
      el("label", { for: "edit-value" }, "value (JSON)"), value,
      el("label", { for: "edit-ttl" }, "TTL in seconds (empty: never expires)"), ttlInput,
      error,
      el("div", { class: "actions" },
        el("button", { type: "submit" }, creating ? "Create" : "Save"),
        el("button", { type: "button", onclick: () => this.cancel() }, "Cancel")),
      el("p", { class: "hint" }, "Ctrl+Enter saves, Escape cancels."));
    fill(this.root, form);
    (keyInput || value).focus();
  }

  editorKeys(ev, form) {
    if (ev.key === "Escape") {
      ev.preventDefault();
      this.cancel();
    } else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit();
    }
  }

  cancel() {
    if (this.entry) {
      this.view();
      this.root.querySelector("button").focus();
    } else {
      this.gone("Choose a key, or make a new one.");
      document.getElementById("new-key").focus();
    }
  }

  /** The PUT for what the form holds: {key, text, body}, or {error} saying what is wrong with it. */
  request(key, text, ttl) {
    if (!key) return { error: "A key cannot be empty." };
    if (new TextEncoder().encode(key).length > 1024) return { error: "A key is at most 1024 bytes long (UTF-8)." };
    try {
      parse(text);
    } catch (e) {
      return { error: "The value is " + e.message + "." };
    }
    ttl = ttl.trim();
    const ttlSeconds = Number(ttl);
    if (ttl !== "" && !Number.isFinite(ttlSeconds)) {
      return { error: "The TTL is a number of seconds, or empty for none." };
    }
    // The value goes as typed: its numbers keep every digit.
    return { key, text, ttl, body: `{"value":${text.trim()}${ttl === "" ? "" : `,"ttl":${JSON.stringify(ttlSeconds)}`}}` };
  }

  async save(request, error) {
    const res = await this.write("PUT", request.key, { body: request.body, headers: ifMatch(this.entry) });
    if (res.status === 412) return this.conflict(request);
    if (!res.ok) return this.failed(res, error);
    await this.show(request.key, true, "Saved.");
  }

  async saveNew(request, error) {
    const res = await this.write("PUT", request.key, { body: request.body, headers: { "If-None-Match": "*" } });
    if (res.status === 412) {
      error.replaceChildren(`A key named ${JSON.stringify(request.key)} exists already. `,
        el("button", { type: "button", onclick: () => this.show(request.key, true) }, "Open it"));
      return;
    }
    if (!res.ok) return this.failed(res, error);
    await this.show(request.key, true, "Created.");
  }

  /** Someone changed the key after the user began: both versions, and the choice. */
  async conflict(mine) {
    const res = await this.api.call("GET", keyPath(mine.key));
    if (res.status !== 404 && !res.ok) return this.failed(res);
    const theirs = res.status === 404 ? null : entryOf(mine.key, res.node);
    this.mode = "conflict";
    const keepMine = async () => {
      const headers = theirs ? ifMatch(theirs) : { "If-None-Match": "*" };
      const again = await this.write("PUT", mine.key, { body: mine.body, headers });
      if (again.status === 412) return this.conflict(mine);
      if (!again.ok) return this.failed(again);
      await this.show(mine.key, true, "Saved your version over the server's.");
    };
    fill(this.root,
      el("h2", { tabindex: "-1", class: "key-name" }, mine.key),
      el("p", { class: "error", role: "alert" },
        "Conflict: someone changed this key after you began editing. Nothing was saved. Choose which version to keep."),
      el("div", { class: "versions" },
        el("section", { class: "version mine", "aria-label": "your version" },
          el("h3", {}, "Your version"),
          el("pre", { class: "value" }, format(parse(mine.text))),
          mine.ttl !== "" && el("p", {}, `TTL ${mine.ttl} s`)),
        el("section", { class: "version theirs", "aria-label": "the server's version" },
          el("h3", {}, theirs ? `The server's version (revision ${theirs.modRevision})` : "The server's version"),
          theirs ? el("pre", { class: "value" }, format(theirs.value)) : el("p", {}, "Deleted on the server."))),
      el("div", { class: "actions" },
        el("button", { type: "button", onclick: keepMine }, "Keep mine (overwrite)"),
        el("button", { type: "button", onclick: () => this.takeTheirs(mine.key, theirs) }, "Take the server's")));
    this.root.querySelector("h2").focus();
  }

  async takeTheirs(key, theirs) {
    if (theirs) return this.show(key, true, "Took the server's version.");
    this.gone(`Took the server's version: ${JSON.stringify(key)} is deleted.`);
  }

  async remove() {
    const e = this.entry;
    if (!(await confirmAction(`Delete the key ${JSON.stringify(e.key)}?`, "Delete"))) {
      this.root.querySelector(".danger").focus();
      return;
    }
    const res = await this.write("DELETE", e.key, { headers: ifMatch(e) });
    if (res.status === 412) return this.show(e.key, true, "Not deleted: it changed since you read it. Here it is now.");
    if (!res.ok && res.status !== 404) return this.failed(res);
    this.gone(`Deleted ${JSON.stringify(e.key)}.`);
    this.say(`Deleted ${JSON.stringify(e.key)}.`);
  }

  failed(res, where = null) {
    const why = stringOf(member(res.node, "error")) || `the server answered ${res.status}`;
    if (where) where.textContent = "Not saved: " + why;
    else this.say("Failed: " + why);
  }
}

/** The condition of a write over `entry`: that the key is still at the revision the user saw. */
function ifMatch(entry) {
  return entry.modRevision === undefined ? {} : { "If-Match": `"${entry.modRevision}"` };
}
