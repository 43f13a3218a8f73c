"""The descriptions users read keep up with the server: the README's curl tour gives what the README shows, every
flag the jar takes is in docs/api.md, the docs point nowhere outside the repository and every link and anchor in
them resolves, and every operation the served /openapi.json lists answers as it says."""
import json
import re
import subprocess

from kvserver import JAR, REPO

README = REPO / "README.md"
API_DOC = REPO / "docs" / "api.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]

# Fields of the tour's answers that differ from run to run; the comparison shows them as "<varies>".
VOLATILE = {"uptime_seconds", "max_memory_bytes", "wal_bytes"}


def tour_steps():
    """(command, the output the README shows for it) for each command of the README's curl tour, in order.

    A command is a line starting with `curl`, continued while a single quote is open; its output is the `# `
    lines right after it (a long one wraps onto more `#  ` lines)."""
    text = README.read_text("utf-8")
    block = text.split("## A tour with curl", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines, steps, i = block.splitlines(), [], 0
    while i < len(lines):
        if not lines[i].startswith("curl "):
            i += 1
            continue
        command = [lines[i]]
        while "\n".join(command).count("'") % 2:
            i += 1
            command.append(lines[i])
        i += 1
        shown = []
        while i < len(lines) and lines[i].startswith("#"):
            shown.append(lines[i][1:].strip())
            i += 1
        steps.append(("\n".join(command), "".join(shown)))
    return steps


def masked(value):
    if isinstance(value, dict):
        return {k: "<varies>" if k in VOLATILE else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def test_readme_tour_answers_what_the_readme_shows(server):
    """Runs the tour's commands, as written, against a fresh server of the jar and compares each answer with the
    README (fields in VOLATILE masked). When this fails, the server's answers changed: update the README."""
    steps = tour_steps()
    assert len(steps) >= 8, steps
    for n, (command, shown) in enumerate(steps, 1):
        run = subprocess.run(["bash", "-c", command.replace("localhost:8080", f"127.0.0.1:{server.port}")],
                             capture_output=True, timeout=30)
        answer = run.stdout.decode("utf-8")
        first_line = command.splitlines()[0].split("  #")[0].strip()
        assert run.returncode == 0, f"tour command {n} `{first_line}` failed: {run.stderr.decode()}"
        assert answer.endswith("\n"), f"tour command {n} `{first_line}`: the answer does not end with a newline"
        how = (f"README.md, \"A tour with curl\", command {n} `{first_line}`: the server now answers\n"
               f"  {answer.strip()}\n"
               f"Put that answer under the command as a `# ` line (wrap a long one onto `#  ` lines); "
               f"{sorted(VOLATILE)} may show any value.")
        assert shown, "the README shows no answer. " + how
        assert masked(json.loads(answer)) == masked(json.loads(shown)), "the README shows\n  " + shown + "\nbut " + how


def test_api_doc_describes_every_flag_of_the_server(run_cli):
    res = run_cli(["--help"])
    assert res.returncode == 0, res
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", res.stdout)) - {"--help", "--version"}
    assert {"--port", "--data-dir", "--fsync"} <= flags, res.stdout
    doc = API_DOC.read_text("utf-8")
    missing = sorted(f for f in flags if f"`{f}`" not in doc)
    assert not missing, f"flags missing from {API_DOC}: {missing}"


def anchors(path):
    """The anchors of a Markdown file's headings, as GitHub makes them: lower case, punctuation dropped, spaces to
    hyphens, a repeated one numbered."""
    seen, found = {}, set()
    in_code = False
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip()
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def test_docs_link_only_inside_the_repository_and_every_link_and_anchor_resolves():
    for path in DOCS:
        text = path.read_text("utf-8")
        assert "../shared" not in text and "CONTRACT.md" not in text, path
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            assert not re.match(r"\w+:", target), f"{path.name} links outside the repository: {target}"
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            assert linked.exists(), f"{path.name} links to a missing file: {target}"
            if anchor:
                assert linked.suffix == ".md" and anchor in anchors(linked), (
                    f"{path.name} links to #{anchor}, which {linked.name} has no heading for "
                    f"(its anchors: {sorted(anchors(linked))})")
    assert "docs/api.md" in README.read_text("utf-8")


def test_architecture_names_the_packages_the_http_module_imports_and_never_ratis():
    text = (REPO / "docs" / "architecture.md").read_text("utf-8")
    claim = text.split("- `kvstore-netty`:", 1)[1].split("\n- ", 1)[0]
    said = set(re.findall(r"`(kvstore\.[a-z.]+)`", claim))
    imported, ratis = set(), []
    for source in (REPO / "kvstore-netty" / "src" / "main" / "java").rglob("*.java"):
        for line in source.read_text("utf-8").splitlines():
            m = re.match(r"import (?:static )?(kvstore\.[a-z.]+)\.[A-Z]", line)
            if m and not m.group(1).startswith("kvstore.netty"):
                imported.add(m.group(1))
            if line.startswith("import org.apache.ratis"):
                ratis.append(source.name)
    assert not ratis, f"kvstore-netty imports Ratis itself: {ratis}"
    assert said == imported, (f"docs/architecture.md says kvstore-netty imports {sorted(said)}; it imports "
                              f"{sorted(imported)}: update the docs (or the imports)")


def test_readme_says_the_jar_size_it_has():
    said = re.search(r"one jar of about (\d+) MB", README.read_text("utf-8"))
    assert said, "the README no longer says how large the jar is"
    actual = JAR.stat().st_size / 1e6
    assert abs(actual - int(said.group(1))) <= 0.25 * actual, (
        f"README.md says the jar is about {said.group(1)} MB; {JAR.name} is {actual:.1f} MB: update the README")


def test_every_get_without_parameters_answers_a_status_openapi_lists_for_it(shared_server):
    """Including the cluster-only ones, which the document says a single server answers 404."""
    document = shared_server.get("/openapi.json").json()
    checked = []
    for path, item in document["paths"].items():
        get = item.get("get")
        if get is None or "{" in path:
            continue
        with shared_server.get(path, stream=True) as r:  # a watch streams until the client goes: read only its head
            assert str(r.status_code) in get["responses"], f"GET {path}: {r.status_code} is not documented"
            if "cluster" in get.get("tags", []):
                assert r.status_code == 404 and r.json() == get["responses"]["404"]["content"]["application/json"]["example"]
        checked.append(path)
    assert {"/stats", "/health", "/watch", "/cluster", "/ready"} <= set(checked), checked
