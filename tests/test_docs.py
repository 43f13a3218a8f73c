"""The API descriptions users read (docs/api.md, the served /openapi.json) keep up with the server: every flag the
jar takes is in docs/api.md, it points nowhere outside the repository, and every operation the document lists
answers as it says."""
import re

from kvserver import REPO

API_DOC = REPO / "docs" / "api.md"


def test_api_doc_describes_every_flag_of_the_server(run_cli):
    res = run_cli(["--help"])
    assert res.returncode == 0, res
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", res.stdout)) - {"--help", "--version"}
    assert {"--port", "--data-dir", "--fsync"} <= flags, res.stdout
    doc = API_DOC.read_text("utf-8")
    missing = sorted(f for f in flags if f"`{f}`" not in doc)
    assert not missing, f"flags missing from {API_DOC}: {missing}"


def test_readme_and_api_doc_link_only_inside_the_repository():
    for path in (REPO / "README.md", API_DOC):
        text = path.read_text("utf-8")
        assert "../shared" not in text and "CONTRACT.md" not in text, path
        for target in re.findall(r"\]\(([^)#]+)", text):
            assert not re.match(r"\w+://", target), f"{path.name} links outside the repository: {target}"
            assert (path.parent / target).exists(), f"{path.name} links to a missing file: {target}"
    assert "docs/api.md" in (REPO / "README.md").read_text("utf-8")


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
