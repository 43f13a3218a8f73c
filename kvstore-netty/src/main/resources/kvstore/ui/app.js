// The console's start: the two views (#keys and #server in the address, so the back button and a bookmark
// work), the token button, and the parts that fill each view.
import { Api } from "./api.js";
import { askToken, openToken } from "./dialogs.js";
import { KeyList } from "./keys.js";
import { KeyDetail } from "./detail.js";
import { ClusterView } from "./cluster.js";
import { Figures } from "./charts.js";

const $ = (id) => document.getElementById(id);

const api = new Api((refused) => {
  $("token-button").hidden = false; // the server wants a token: from now on the user may change it
  return askToken(refused);
});
const live = $("live");
const say = (text) => { $("list-status").textContent = text; };
const detail = new KeyDetail(api, $("detail"), say);
const keys = new KeyList(api, (key) => detail.show(key, true), (key, event, revision, data) => detail.changed(key, event, revision, data),
  (state) => {
    live.textContent = state === "live" ? "live" : "reconnecting…";
    live.className = "live " + state;
  });
const cluster = new ClusterView(api, $("cluster"));
const figures = new Figures(api, $("charts"));

$("browse").addEventListener("submit", (e) => {
  e.preventDefault();
  keys.browse($("prefix").value, Number($("page-size").value));
});
$("new-key").addEventListener("click", () => detail.create($("prefix").value));
$("token-button").addEventListener("click", () => {
  if ($("token-form").onsubmit) return openToken();
  api.token = null;
  api.tokenAfter(null);
});
$("token-cancel").addEventListener("click", () => $("token-dialog").close());

function showView() {
  const server = location.hash === "#server";
  $("keys-view").hidden = server;
  $("server-view").hidden = !server;
  for (const [tab, current] of [["tab-keys", !server], ["tab-server", server]]) {
    if (current) $(tab).setAttribute("aria-current", "page");
    else $(tab).removeAttribute("aria-current");
  }
  if (server) cluster.start();
  else cluster.stop();
}

window.addEventListener("hashchange", showView);
// A hidden or departed page lets go of its watch's connection, and takes up where it was when it shows again.
document.addEventListener("visibilitychange", () => (document.hidden ? keys.pause() : keys.resume()));
window.addEventListener("pagehide", () => keys.pause());
window.addEventListener("pageshow", (e) => e.persisted && keys.resume());
showView();
keys.browse("", Number($("page-size").value));
figures.start();
