// GET /watch read as Server-Sent Events over fetch(). A browser's EventSource cannot send an Authorization
// header, and the only way to give it the token would be in the URL, where access logs, proxies and the
// history keep it. fetch() sends the header, and the stream's body is read as it comes; this reader does what
// EventSource does besides: parses events, remembers the last id and, after a dropped stream, reconnects
// with Last-Event-ID (so nothing is missed or repeated) after a growing pause.
import { parse } from "./json.js";

const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 5000;

export class Watch {
  /**
   * Watches `query` (the part after "/watch?") from revision `from` (or null: from now on).
   * onEvent({id, event, data}) gets each event, `data` parsed (json.js nodes); onState("live" | "reconnecting"
   * | "ended") tells how the stream is. A 410 (the history no longer reaches `from`) and an "error" event
   * (this watcher fell too far behind) end the watch with onState("ended"): the owner lists again and starts
   * a new one from the listing's revision.
   */
  constructor(api, query, from, onEvent, onState) {
    this.api = api;
    this.query = query;
    this.lastId = from === null ? null : from - 1;
    this.onEvent = onEvent;
    this.onState = onState;
    this.abort = new AbortController();
    this.run();
  }

  stop() {
    this.abort.abort();
  }

  get stopped() {
    return this.abort.signal.aborted;
  }

  async run() {
    let pause = FIRST_PAUSE_MS;
    while (!this.stopped) {
      try {
        const headers = { Accept: "text/event-stream" };
        if (this.lastId !== null) headers["Last-Event-ID"] = String(this.lastId);
        const response = await this.api.fetch("GET", "/watch?" + this.query, { headers, signal: this.abort.signal });
        if (response.status === 410 || !response.ok) {
          await response.arrayBuffer();
          if (response.status === 410) return this.end();
          throw new Error("watch answered " + response.status);
        }
        this.onState("live");
        pause = FIRST_PAUSE_MS;
        if (await this.read(response.body)) return this.end();
      } catch (e) {
        if (this.stopped) return;
      }
      this.onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }

  end() {
    if (!this.stopped) this.onState("ended");
    this.stop();
  }

  /** Reads one stream to its end; true when it ended with an "error" event. */
  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let event = { id: null, event: "message", data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (event.data.length > 0) {
            if (event.id !== null) this.lastId = event.id;
            const data = parse(event.data.join("\n"));
            if (event.event === "error") return true;
            this.onEvent({ id: event.id, event: event.event, data });
          }
          event = { id: null, event: "message", data: [] };
          continue;
        }
        const colon = line.indexOf(":");
        if (colon === 0) continue; // a comment
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") event.data.push(text);
        else if (field === "event") event.event = text;
        else if (field === "id" && /^\d+$/.test(text)) event.id = Number(text);
      }
    }
  }
}
