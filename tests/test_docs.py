"""The API description users read (docs/api.md) keeps up with the server: every flag the jar takes is in it,
and it points nowhere outside the repository."""
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
