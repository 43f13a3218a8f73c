"""The web console at /ui/: its files as the server sends them (types, caching, the content security policy, no
way out of its directory, no token needed, Origin and Host rules kept), then the console itself in a real
headless Chromium: browsing a prefix across pages, editing through a conflict, a change by another client
appearing live, the token prompt, the cluster view through a leader change, keyboard use and narrow screens,
and no errors in the browser's log.

The browse and cluster tests save screenshots; with KVSTORE_UPDATE_SCREENSHOTS=1 they replace the ones in docs/
that the README shows."""
import json
import os
import re
import time

import pytest

from browser_support import Browser
from cluster_support import put as cluster_put, running_cluster
from conftest import assert_json_error, enc, jloads, request_bytes, uid
from kvserver import REPO

TOKEN = "console-token-for-tests"
LIVE_WITHIN = 2.0  # seconds from a write's answer to its row in the list (issue 18)
SHOTS = REPO / "docs" if os.environ.get("KVSTORE_UPDATE_SCREENSHOTS") else None
CSP = re.compile(r"default-src 'none'.*script-src 'self'")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.quit()


@pytest.fixture
def page(browser):
    """The module's browser, at a blank page, its log read and forgotten, at a laptop's size."""
    browser.open("about:blank")
    browser.read_log()
    browser.log.clear()
    browser.size(1280, 900)
    return browser


def screenshot_path(tmp_path, name):
    return (SHOTS or tmp_path) / name


def open_console(page, server, prefix=None, page_size=None, view=""):
    page.open(server.url + "/ui/" + view)
    page.wait(lambda: page.find("#key-table").get_attribute("data-page"), msg="the first listing")
    if page_size is not None:
        from selenium.webdriver.support.select import Select
        Select(page.labelled("page size")).select_by_visible_text(str(page_size))
    if prefix is not None:
        page.type_into(page.labelled("prefix"), prefix, enter=True)
        page.wait(lambda: page.find("#key-table").get_attribute("data-prefix") == prefix,
                  msg=f"the listing of {prefix!r}")


def wait_live(page):
    page.wait(lambda: page.text("#live") == "live", msg="the watch to be open")


def put(server, key, value, **kw):
    r = server.put_key(key, value, **kw)
    assert r.status_code == 200, r.text
    return r


def exchange(srv, method, path, host, body=None, headers=None):
    """One request with exactly this Host header, on a connection of its own."""
    with srv.raw() as c:
        c.send(request_bytes(method, path, body, headers, host=host))
        return c.read_response()


# ---------------------------------------------------------------- the files, over HTTP
def test_console_files_need_no_token_and_say_their_type_validator_and_policy(server_factory, tmp_path):
    token = tmp_path / "token"
    token.write_text(TOKEN)
    srv = server_factory(start=False, args=["--auth-token-file", token])
    srv.ready_path = "/health"
    srv.start()
    index = srv.get("/ui/")
    assert index.status_code == 200, index.text
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert srv.get("/kv").status_code == 401, "the data still needs the token"
    referenced = re.findall(r'(?:src|href)="([\w.-]+)"', index.text)
    assert "app.js" in referenced and "console.css" in referenced, referenced
    modules = {"app.js"}
    for name in sorted(set(referenced)):
        r = srv.get("/ui/" + name)
        assert r.status_code == 200, (name, r.status_code)
        if name.endswith(".js"):
            modules |= set(re.findall(r'from "\./([\w.-]+)"', r.text))
    for name in sorted(modules):  # every module an import names is served as JavaScript
        r = srv.get("/ui/" + name)
        assert r.status_code == 200, (name, r.status_code)
        assert r.headers["content-type"] == "text/javascript; charset=utf-8", name
    assert srv.get("/ui/console.css").headers["content-type"] == "text/css; charset=utf-8"
    assert srv.get("/ui/icon.svg").headers["content-type"] == "image/svg+xml"

    for r in (index, srv.get("/ui/app.js")):
        assert CSP.search(r.headers["content-security-policy"]), r.headers
        assert "unsafe-inline" not in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-cache"
        assert re.fullmatch(r'"[0-9a-f]{24}"', r.headers["etag"]), r.headers["etag"]
    assert "<script>" not in index.text and " style=" not in index.text, "no inline script or style"
    again = srv.get("/ui/", headers={"If-None-Match": index.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == index.headers["etag"]
    assert srv.get("/ui/index.html", headers={"If-None-Match": '"other"'}).status_code == 200


def test_ui_without_its_slash_is_redirected_to_the_console(shared_server):
    r = exchange(shared_server, "GET", "/ui?x=1", "localhost")
    assert r.status_code == 301, r
    assert r.headers["location"] == "/ui/?x=1"
    assert r.json() == {"location": "/ui/?x=1"}
    assert shared_server.get("/ui").url.endswith("/ui/")


@pytest.mark.parametrize("path", [
    "/ui/../openapi.json", "/ui/..%2fopenapi.json", "/ui/%2e%2e/openapi.json", "/ui/..", "/ui//etc/passwd",
    "/ui/%2fetc%2fpasswd", "/ui/./index.html", "/ui/kvstore/ui/index.html", "/ui/../kvstore/netty/cli/Main.class",
    "/ui/simplelogger.properties", "/ui/openapi.json", "/ui/index.html%00.js", "/ui/INDEX.HTML", "/ui/\\index.html",
])
def test_no_path_reaches_a_file_outside_the_console(shared_server, path):
    r = exchange(shared_server, "GET", path, "localhost")
    assert_json_error(r, 404)
    assert b"<html" not in r.body and b"paths" not in r.body


def test_console_keeps_the_host_and_origin_rules_and_admits_its_own_writes(shared_server):
    srv = shared_server
    here = f"127.0.0.1:{srv.port}"
    k = uid() + "origin"
    assert assert_json_error(exchange(srv, "GET", "/ui/", "evil.example"), 403)["error"] == "host not allowed"
    for host, origin in [(here, "http://evil.example"),  # another site
                         ("evil.example", "http://evil.example"),  # a page rebound to 127.0.0.1 by DNS
                         (here, f"http://127.0.0.1:{srv.port + 1}"),  # another port is another origin
                         (here, f"https://{here}")]:  # and so is another scheme
        refused = exchange(srv, "PUT", "/kv/" + enc(k), host, {"value": 1}, {"Origin": origin})
        assert_json_error(refused, 403)
    assert srv.get_key(k).status_code == 404, "nothing was written"
    own = exchange(srv, "PUT", "/kv/" + enc(k), here, {"value": 1}, {"Origin": f"http://{here}"})
    assert own.status_code == 200, own
    assert exchange(srv, "DELETE", "/kv/" + enc(k), f"localhost:{srv.port}", None,
                    {"Origin": f"http://localhost:{srv.port}"}).status_code == 200


# ---------------------------------------------------------------- the console in a browser
def test_console_loads_with_no_errors_and_browses_a_prefix_across_pages(page, server, tmp_path):
    prefix = "user/"
    names = ["ada", "alan", "barbara", "bjarne", "dennis", "donald", "edsger", "frances", "grace", "guido",
             "james", "john", "ken", "leslie", "linus", "margaret", "niklaus", "radia", "tony", "yukihiro",
             "ｗide", "😀smile", "\ue000private"]
    for i, name in enumerate(names):
        put(server, prefix + name, {"name": name, "id": i, "big": 12345678901234567890123 + i})
    put(server, "other/x", 1)
    put(server, "user", "not under user/")
    expected = sorted((prefix + n for n in names), key=lambda k: k.encode("utf-8"))

    open_console(page, server, prefix=prefix, page_size=10)
    assert page.driver.title == "kvstore console"
    seen = [page.key_rows()]
    while page.button("Next page").is_enabled():
        page.button("Next page").click()
        page.wait(lambda: page.key_rows() and page.key_rows() != seen[-1], msg="the next page")
        seen.append(page.key_rows())
    assert [k for p in seen for k in p] == expected, "pages in UTF-8 byte order, nothing missed or repeated"
    assert [len(p) for p in seen] == [10, 10, 3]
    assert page.text("#list-status").startswith('Page 3 of the keys starting with "user/": 3 shown')
    page.button("Previous page").click()
    page.wait(lambda: page.key_rows() == seen[1], msg="the page before")
    assert page.text("#list-status").startswith("Page 2")
    page.button("Previous page").click()
    page.wait(lambda: page.key_rows() == seen[0])
    assert not page.button("Previous page").is_enabled()
    page.button("user/ada", "#key-table").click()
    page.wait(lambda: page.text("#detail h2") == "user/ada", msg="the key's value")
    shown = page.text("#detail pre.value")
    assert "12345678901234567890123" in shown, "every digit, as stored"
    assert shown.startswith("{\n  \"name\": \"ada\",\n  \"id\": 0,"), shown
    page.screenshot(screenshot_path(tmp_path, "console-browse.png"))
    assert page.problems() == []


def test_an_edit_that_meets_a_change_shows_both_and_keeps_what_the_user_chooses(page, shared_server):
    srv = shared_server
    prefix = uid("conflict")
    key = prefix + "doc"
    put(srv, key, {"n": 1, "big": 12345678901234567890123})
    open_console(page, srv, prefix=prefix)
    page.button(key, "#key-table").click()
    page.wait(lambda: page.text("#detail h2") == key)

    def edit_and_collide(mine, theirs):
        page.button("Edit", "#detail").click()
        editor = page.labelled("value (JSON)")
        page.type_into(editor, mine)
        put(srv, key, theirs)  # another client, after the editor was filled from the older value
        page.button("Save", "#detail").click()
        page.wait(lambda: page.finds("#detail .version.theirs"), msg="the conflict view")
        assert jloads(page.text("#detail .version.mine pre")) == jloads(mine)
        assert jloads(page.text("#detail .version.theirs pre")) == theirs
        assert srv.value_of(key) == theirs, "nothing written by the refused save"

    mine = '{"n": 2, "big": 12345678901234567890123, "by": "browser"}'
    edit_and_collide(mine, {"n": 99})
    page.button("Keep mine (overwrite)", "#detail").click()
    page.wait(lambda: "Saved" in (page.text("#detail .note") or ""), msg="the overwrite")
    assert srv.value_of(key) == jloads(mine), "exactly the user's text, every digit"

    edit_and_collide('{"n": 3}', {"n": 100, "by": "other"})
    page.button("Take the server's", "#detail").click()
    page.wait(lambda: "Took the server" in (page.text("#detail .note") or ""))
    assert jloads(page.text("#detail pre.value")) == {"n": 100, "by": "other"}
    assert srv.value_of(key) == {"n": 100, "by": "other"}
    assert page.problems(allowed_statuses={412}) == []


def test_a_change_by_another_client_appears_within_two_seconds(page, shared_server):
    srv = shared_server
    prefix = uid("live")
    put(srv, prefix + "b", 1)
    open_console(page, srv, prefix=prefix)
    wait_live(page)
    for key, change in [(prefix + "a", lambda k: put(srv, k, {"new": True})),
                        (prefix + "b", lambda k: srv.del_key(k)),
                        (prefix + "c", lambda k: put(srv, k, [1, 2, 3]))]:
        change(key)
        written = time.monotonic()
        page.wait(lambda: (key in page.key_rows()) == (not key.endswith("b")), timeout=LIVE_WITHIN * 2,
                  interval=0.02, msg=f"{key} in the list")
        assert time.monotonic() - written <= LIVE_WITHIN, f"{key} showed after {time.monotonic() - written:.2f} s"
    assert page.key_rows() == [prefix + "a", prefix + "c"]
    put(srv, uid("elsewhere"), 1)  # another prefix: not on this page
    for tail in ["😀", "\ue000", "d"]:  # placed in UTF-8 byte order, as a listing would: d, U+E000, U+1F600
        put(srv, prefix + tail, tail)
    page.wait(lambda: page.key_rows() == [prefix + t for t in ["a", "c", "d", "\ue000", "😀"]])

    page.button(prefix + "a", "#key-table").click()  # the open key follows too, from the events alone
    page.wait(lambda: page.text("#detail h2") == prefix + "a")
    put(srv, prefix + "a", {"new": False, "n": 12345678901234567890123})
    page.wait(lambda: "Another client changed" in page.text("#detail"), timeout=LIVE_WITHIN * 2)
    assert jloads(page.text("#detail pre.value")) == {"new": False, "n": 12345678901234567890123}
    srv.del_key(prefix + "a")
    page.wait(lambda: "deleted" in page.text("#detail") and prefix + "a" not in page.key_rows())
    assert page.problems() == [], "no request the events made needless (a 404 would show here)"


def test_a_page_left_lets_go_of_its_watch(page, shared_server):
    """A browser opens at most six connections to a server; each page left with its watch still open held one
    of them, and the seventh visit waited for ever for its listing."""
    prefix = uid("visits")
    for _ in range(8):
        open_console(page, shared_server, prefix=prefix)
        wait_live(page)
        page.open("about:blank")
    open_console(page, shared_server, prefix=prefix)
    wait_live(page)
    put(shared_server, prefix + "x", 1)
    page.wait(lambda: page.key_rows() == [prefix + "x"], timeout=LIVE_WITHIN * 2)
    assert page.problems() == []


def test_create_with_a_ttl_then_delete_after_confirming(page, shared_server):
    srv = shared_server
    prefix = uid("create")
    open_console(page, srv, prefix=prefix)
    page.button("New key").click()
    page.type_into(page.labelled("key"), prefix + "session")
    page.type_into(page.labelled("value (JSON)"), '{"user": "ada"}')
    page.type_into(page.labelled("TTL in seconds (empty: never expires)"), "300")
    page.button("Create", "#detail").click()
    page.wait(lambda: page.text("#detail h2") == prefix + "session")
    body = srv.get_key(prefix + "session").json()
    assert body["value"] == {"user": "ada"} and 290 < body["ttl"] <= 300, body

    page.button("New key").click()  # the same name again: create-only refuses it
    page.type_into(page.labelled("key"), prefix + "session")
    page.type_into(page.labelled("value (JSON)"), "1")
    page.button("Create", "#detail").click()
    page.wait(lambda: "exists already" in (page.text("#detail .error") or ""))
    page.button("Open it", "#detail").click()
    page.wait(lambda: page.text("#detail h2") == prefix + "session")

    page.button("Delete", "#detail").click()
    page.wait(lambda: page.find("#confirm-dialog").get_attribute("open") is not None)
    page.press(page.Keys.ESCAPE)
    page.wait(lambda: page.find("#confirm-dialog").get_attribute("open") is None)
    assert srv.value_of(prefix + "session") == {"user": "ada"}, "Escape deleted nothing"
    page.button("Delete", "#detail").click()
    page.wait(lambda: page.find("#confirm-dialog").get_attribute("open") is not None)
    page.press(page.Keys.ENTER)
    page.wait(lambda: "Deleted" in (page.text("#detail") or ""))
    assert srv.get_key(prefix + "session").status_code == 404
    assert page.problems(allowed_statuses={412}) == []


def test_the_console_asks_for_the_token_once_and_keeps_it_out_of_addresses(page, server_factory, tmp_path):
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    srv = server_factory(start=False, args=["--auth-token-file", token])
    srv.ready_path = "/health"
    srv.start()
    srv.put("/kv/secret", data=json.dumps({"value": "hidden"}), headers={"Authorization": f"Bearer {TOKEN}"})
    page.open(srv.url + "/ui/")
    dialog_open = lambda: page.find("#token-dialog").get_attribute("open") is not None  # noqa: E731
    page.wait(dialog_open, msg="the token prompt")
    assert page.focused() == page.labelled("token")
    page.type_into(page.labelled("token"), "wrong", enter=True)
    page.wait(lambda: "refused" in page.text("#token-error"), msg="the refusal")
    page.type_into(page.labelled("token"), TOKEN, enter=True)
    page.wait(lambda: page.key_rows() == ["secret"], msg="the keys, with the token")
    assert not dialog_open()
    assert page.js("return sessionStorage.getItem('kvstore.token')") == TOKEN
    page.open(srv.url + "/ui/")  # again in the same tab: asked once
    page.wait(lambda: page.key_rows() == ["secret"])
    assert not dialog_open()
    page.wait(lambda: page.text("#live") == "live")
    assert TOKEN not in page.driver.current_url
    assert TOKEN not in srv.stderr() and "wrong" not in srv.stderr()
    assert page.problems(allowed_statuses={401}) == []


def test_keyboard_alone_browses_opens_edits_and_cancels_with_visible_focus(page, shared_server):
    srv = shared_server
    prefix = uid("keys")
    put(srv, prefix + "one", {"a": 1})
    open_console(page, srv)
    page.find("h1").click()  # the keyboard starts from the top of the page
    for _ in range(8):
        page.press(page.Keys.TAB)
        if page.focused().get_attribute("id") == "prefix":
            break
    assert page.focused().get_attribute("id") == "prefix", "the prefix is a few tabs from the top"
    page.press(prefix, page.Keys.ENTER)
    page.wait(lambda: page.key_rows() == [prefix + "one"])
    for _ in range(6):
        page.press(page.Keys.TAB)
        if page.focused().text == prefix + "one":
            break
    assert page.focused().text == prefix + "one"
    assert page.js("return getComputedStyle(document.activeElement).outlineStyle") != "none", "focus is visible"
    page.press(page.Keys.ENTER)
    page.wait(lambda: page.focused().text == prefix + "one" and page.focused().tag_name == "h2")
    page.press(page.Keys.TAB, page.Keys.TAB)
    assert page.focused().text == "Edit"
    page.press(page.Keys.ENTER)
    page.wait(lambda: page.focused().get_attribute("id") == "edit-value")
    page.press(page.Keys.ESCAPE)
    page.wait(lambda: page.focused().text == "Edit", msg="Escape back to the value")
    assert page.problems() == []


@pytest.mark.parametrize("width", [360, 1920])
def test_readable_on_a_phone_and_on_a_large_screen(page, shared_server, width):
    srv = shared_server
    prefix = uid("size")
    put(srv, prefix + "a-rather-long-key-name-that-must-wrap-on-a-narrow-screen", {"text": "x" * 200})
    page.size(width, 900)
    open_console(page, srv, prefix=prefix)
    page.finds("#key-table button")[0].click()
    page.wait(lambda: page.finds("#detail pre.value"))
    inner = page.js("return window.innerWidth")
    assert inner == width
    assert page.js("return document.documentElement.scrollWidth") <= inner, "nothing wider than the screen"
    prefix_box = page.labelled("prefix").rect
    assert prefix_box["x"] >= 0 and prefix_box["x"] + prefix_box["width"] <= inner
    list_box, detail_box = page.find(".list-pane").rect, page.find("#detail").rect
    if width < 800:
        assert detail_box["y"] >= list_box["y"] + list_box["height"], "one column on a phone"
    else:
        assert detail_box["x"] >= list_box["x"] + list_box["width"], "side by side on a large screen"
    assert page.problems() == []


def test_the_cluster_view_shows_the_members_and_a_leader_change(page, tmp_path):
    with running_cluster(tmp_path / "cluster") as cluster:
        leader = cluster.leader()
        for i in range(12):
            assert cluster_put(leader, f"config/{i}", {"replicas": i}).status_code == 200
        watcher = next(m for m in cluster.members if m.node_id != leader.node_id)
        page.open(leader.url + "/ui/#server")

        def lags():
            return [page.text(f'#members tr[data-member="{m.node_id}"] td.lag') for m in cluster.members]
        page.wait(lambda: all(c is not None and re.fullmatch(r"\d+", c) for c in lags()), timeout=20,
                  msg="the leader's console shows how far each member lags")

        page.open(watcher.url + "/ui/#server")
        page.wait(lambda: page.text("#cluster-leader") == leader.node_id, msg="the leader", timeout=20)
        rows = page.wait(lambda: {r.get_attribute("data-member"): r.text for r in page.finds("#members tbody tr")},
                         msg="the members' rows")
        assert set(rows) == {m.node_id for m in cluster.members}, rows
        assert "leader" in rows[leader.node_id] and "(this member)" in rows[watcher.node_id]
        assert page.text("#cluster-ready") == "ready"
        assert page.text("#cluster-self") == watcher.node_id
        assert re.fullmatch(r"\d+ committed entries not yet applied here", page.text("#cluster-lag"))
        assert lags() == ["–"] * 3, "only the leader knows how far the others are"

        leader.kill()
        new_leader = cluster.wait_leader(among=cluster.running())
        page.wait(lambda: page.text("#cluster-leader") == new_leader, timeout=20, msg="the new leader")
        assert new_leader != leader.node_id
        page.wait(lambda: f"leader {leader.node_id} → " in (page.text(".changes") or ""), msg="the change noted")
        for i in range(6):  # through the member the console is on, which carries them to the new leader
            assert cluster_put(watcher, f"config/new-{i}", i).status_code == 200
        page.wait(lambda: page.text("#chart-keys output").startswith("18 "), msg="the keys chart", timeout=15)
        line = page.find("#chart-rps .line")
        page.wait(lambda: line.get_attribute("d").count("L") >= 4, msg="a few samples drawn", timeout=20)
        page.screenshot(screenshot_path(tmp_path, "console-cluster.png"))
        assert page.problems(allowed_statuses={503}) == [], "reads wait out the election, at most a 503"


def test_a_single_server_says_it_is_no_cluster_and_draws_its_figures(page, server):
    for i in range(5):
        put(server, f"figures/{i}", i)
    page.open(server.url + "/ui/#server")
    page.wait(lambda: "runs alone" in (page.text("#cluster") or ""), msg="no cluster")
    page.wait(lambda: (page.text("#chart-keys output") or "").startswith("5"), msg="the key count", timeout=15)
    line = page.find("#chart-rps .line")
    page.wait(lambda: line.get_attribute("d").count("L") >= 1, msg="a line of two points", timeout=15)

    def fsync_drawn():  # an interval shows a mean fsync time only when something was written in it
        put(server, "figures/more", time.monotonic())
        return page.text("#chart-fsync output") not in (None, "–")
    page.wait(fsync_drawn, interval=0.5, timeout=15, msg="an fsync time")
    assert page.problems(allowed_statuses={404}) == [], "only /cluster's 404"
