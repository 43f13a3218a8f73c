// Every request the console makes goes through here, with the token when the server wants one. The token is
// asked for once, kept in sessionStorage (this tab only, gone when it closes) and sent as
// "Authorization: Bearer": never in a URL, so it stays out of the history, proxies and access logs. A 401
// asks again and then repeats the request.
import { parse } from "./json.js";

const TOKEN = "kvstore.token";

export class Api {
  /** askToken(refused): a promise of the token the user types; `refused` says the last one was wrong. */
  constructor(askToken) {
    this.askToken = askToken;
    this.asking = null;
  }

  get token() {
    return sessionStorage.getItem(TOKEN);
  }

  set token(value) {
    if (value) sessionStorage.setItem(TOKEN, value);
    else sessionStorage.removeItem(TOKEN);
  }

  /** fetch() with the token; on 401 waits for a token from the user and tries again. */
  async fetch(method, path, { body, headers = {}, signal } = {}) {
    for (;;) {
      const sent = this.token;
      const h = new Headers(headers);
      if (sent) h.set("Authorization", "Bearer " + sent);
      if (body !== undefined) h.set("Content-Type", "application/json");
      const response = await fetch(path, { method, headers: h, body, signal, cache: "no-store" });
      if (response.status !== 401) return response;
      await response.arrayBuffer();
      await this.tokenAfter(sent);
    }
  }

  /** The request's answer: {status, ok, headers, node (the parsed JSON body, or null)}. */
  async call(method, path, options) {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    let node = null;
    try {
      node = text ? parse(text) : null;
    } catch {
      node = null;
    }
    return { status: response.status, ok: response.ok, headers: response.headers, node };
  }

  /** Waits until there is a token other than `refused` (the one the server just turned down, or null). */
  tokenAfter(refused) {
    if (this.token && this.token !== refused) return Promise.resolve();
    if (!this.asking) {
      this.asking = this.askToken(refused !== null).then((token) => {
        this.token = token;
        this.asking = null;
      });
    }
    return this.asking;
  }
}
