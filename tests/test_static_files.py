"""Static files: the precompressed copy for a client that accepts it, the file itself otherwise, a year's cache for
a versioned URL; tools/compress_static.mjs writes the copies."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import url_for

from csi_events.static_files import file_version

ROOT = Path(__file__).resolve().parent.parent
CSS = b".card { padding: 1rem; margin: 0 auto; }\n" * 200


@pytest.fixture
def static_dir(app, tmp_path):
    """A static folder of this test's own: a stylesheet, its gzip copy and a script without copies."""
    (tmp_path / "css").mkdir()
    (tmp_path / "js").mkdir()
    (tmp_path / "css" / "site.css").write_bytes(CSS)
    (tmp_path / "css" / "site.css.gz").write_bytes(gzip.compress(CSS))
    (tmp_path / "js" / "plain.js").write_bytes(b"console.log('x');\n" * 50)
    saved = app.static_folder
    app.static_folder = str(tmp_path)
    yield tmp_path
    app.static_folder = saved


def test_gzip_copy_for_a_client_that_accepts_gzip(client, static_dir):
    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/css"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    assert len(body) < len(CSS) / 5
    assert gzip.decompress(body) == CSS


def test_the_file_itself_without_accept_encoding(client, static_dir):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.get_data() == CSS
    assert "Accept-Encoding" in response.headers["Vary"]


def test_a_refused_encoding_is_not_sent(client, static_dir):
    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers and response.get_data() == CSS


def test_an_outdated_copy_is_ignored(client, static_dir):
    source = static_dir / "css" / "site.css"
    edited = CSS + b".new { color: red; }\n"
    source.write_bytes(edited)
    old = static_dir / "css" / "site.css.gz"
    os.utime(old, ns=(source.stat().st_mtime_ns - 10**9, source.stat().st_mtime_ns - 10**9))
    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers and response.get_data() == edited


def test_versioned_url_is_cached_for_a_year_others_are_revalidated(app, client, static_dir):
    with app.test_request_context():
        url = url_for("static", filename="css/site.css")
    version = file_version(str(static_dir / "css" / "site.css"))
    assert url == f"/static/css/site.css?v={version}"
    cached = client.get(url)
    assert cached.cache_control.max_age == 365 * 24 * 3600 and cached.cache_control.immutable
    assert cached.cache_control.public
    for other in ("/static/css/site.css", "/static/css/site.css?v=0ld"):
        answer = client.get(other)
        assert answer.cache_control.max_age is None and not answer.cache_control.immutable
        assert answer.headers.get("ETag") and answer.headers.get("Last-Modified")


def test_missing_and_escaping_paths_are_404(client, static_dir):
    assert client.get("/static/css/none.css").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_compress_script_writes_smaller_copies_that_decompress_to_the_file(tmp_path):
    (tmp_path / "js").mkdir()
    script = (ROOT / "static" / "js" / "checkin.js").read_bytes()
    (tmp_path / "js" / "checkin.js").write_bytes(script)
    (tmp_path / "js" / "tiny.js").write_bytes(b"x")
    subprocess.run(["node", str(ROOT / "tools" / "compress_static.mjs"), str(tmp_path)], check=True, cwd=ROOT)
    gz = (tmp_path / "js" / "checkin.js.gz").read_bytes()
    assert gzip.decompress(gz) == script and len(gz) < len(script) / 2
    br = tmp_path / "js" / "checkin.js.br"
    assert br.stat().st_size < len(gz)
    unpacked = subprocess.run(
        [
            "node",
            "-e",
            "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(process.argv[1])))",
            str(br),
        ],
        check=True,
        capture_output=True,
    ).stdout
    assert unpacked == script
    assert not (tmp_path / "js" / "tiny.js.gz").exists()  # a copy that would be larger is not written


def test_brotli_copy_preferred_when_accepted(client, static_dir):
    (static_dir / "css" / "site.css.br").write_bytes(b"pretend-brotli")
    response = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br" and response.get_data() == b"pretend-brotli"
    gzip_only = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert gzip_only.headers["Content-Encoding"] == "gzip"


def test_real_stylesheet_is_served_compressed_after_setup(client):
    """`make setup` has written the copies: the check-in page's stylesheet goes out compressed."""
    app_css = ROOT / "static" / "css" / "app.css"
    if not (ROOT / "static" / "css" / "app.css.gz").exists():
        pytest.skip("static copies not written (run make setup)")
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == app_css.read_bytes()


def checkin_modules() -> set[str]:
    """Every module the check-in page's script needs: checkin.js and what it imports, and what those import."""
    import re

    found: set[str] = set()
    todo = ["checkin.js"]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        source = (ROOT / "static" / "js" / name).read_text()
        todo.extend(re.findall(r'from "\./([\w.-]+\.js)"', source))
    return found


def test_checkin_page_preloads_its_imported_modules_at_the_url_the_import_uses(client, db, login):
    """A module imported as "./checkin-store.js" and preloaded as "...?v=..." would be fetched (and run) twice; one
    not preloaded at all would cost a round trip per level of imports."""
    import re

    from tests.factories import make_opportunity, make_user

    opportunity = make_opportunity()
    db.session.commit()
    login(make_user("staff"))
    page = client.get(f"/staff/checkin/sessions/{opportunity.sessions[0].id}").get_data(as_text=True)
    preloads = set(re.findall(r'rel="modulepreload" href="([^"]+)"', page))
    imported = {f"/static/js/{name}" for name in checkin_modules() - {"checkin.js"}}
    assert len(imported) >= 4 and imported <= preloads  # the split modules, checkin-store.js and checkin-camera.js
    assert any(url.startswith("/static/js/checkin.js?v=") for url in preloads)


def test_service_worker_keeps_every_checkin_module_for_offline_use(client):
    """A module missing from the worker's list would not be there offline, and the page would not start."""
    import json
    import re

    source = client.get("/staff/checkin/sw.js").get_data(as_text=True)
    assets = set(json.loads(re.search(r"^const OFFLINE_ASSETS = (.*);$", source, re.M).group(1)))
    modules = {f"/static/js/{name}" for name in checkin_modules()}
    assert "/static/js/checkin-walkin.js" in modules and modules <= assets


def test_checkin_page_loads_its_static_files_in_two_rounds_of_six(client, db, login):
    """A browser opens 6 connections to one server: past 12 stylesheets and scripts before the roster, the check-in
    page waits one more round trip (150 ms on Fast 3G; bench/checkin_page.py measured 968 ms with 14, 829 ms with 7)."""
    import re

    from tests.factories import make_opportunity, make_user

    opportunity = make_opportunity()
    db.session.commit()
    login(make_user("staff"))
    page = client.get(f"/staff/checkin/sessions/{opportunity.sessions[0].id}").get_data(as_text=True)
    stylesheets = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', page)
    scripts = re.findall(r'<script[^>]* src="(/static/[^"]+)"', page)
    preloads = re.findall(r'<link rel="modulepreload" href="(/static/[^"]+)"', page)
    urls = {url.split("?", 1)[0] for url in stylesheets + scripts + preloads}
    assert "/static/js/checkin-scans.js" in urls and len(urls) <= 12
