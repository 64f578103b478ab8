"""Browser check of the built HTML book (``make browser``; marker ``browser``).

Serves ``_build/html`` from a thread on 127.0.0.1 and opens every page in headless Chromium (Debian's
``/usr/bin/chromium`` driven by Playwright; never ``playwright install``). A page fails when

- it requests anything that is not on 127.0.0.1 (every request is recorded, and outside ones are blocked),
  or a local request fails or answers with an HTTP error;
- it has math that MathJax did not typeset (each ``.math`` element must hold an ``mjx-container``, with no
  ``mjx-merror``), or raw TeX delimiters (``$$``, ``\\(``, ``\\[``, ``\\begin{``) are left in its text;
- an image does not load (``img.complete && img.naturalWidth > 0`` for every ``img``);
- the console logs an error or the page throws, apart from the explicit allow-list ``KNOWN_CONSOLE_NOISE``.

It also fetches the student-notebook zip through the book's download link (HTTP 200, a zip holding every
chapter), and scans the HTML files for remote ``src``/stylesheet/preload URLs.

``_build/html`` missing: the tests fail and say to run ``make book``. Chromium missing: they skip, saying how
to install it — unless ``CI=true``, where a missing browser fails. The course root is this file's
grandparent, or ``$COURSE_ROOT``; the browser is ``$CHROMIUM`` or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import io
import os
import pathlib
import re
import threading
import urllib.parse
import zipfile

import pytest

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(os.environ.get("COURSE_ROOT") or pathlib.Path(__file__).resolve().parent.parent).resolve()
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
ZIP_NAME = "student-notebooks.zip"
SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "mathjax"}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
               "--no-default-browser-check", "--disable-dev-shm-usage"]
REFRESH_RE = re.compile(r'<meta[^>]+http-equiv="refresh"[^>]+content="\d+;\s*url=([^"]+)"', re.IGNORECASE)
PAGE_TIMEOUT_MS = 30_000
WAIT_TIMEOUT_MS = 20_000

# Console messages that are known, understood and harmless; each must match the whole message.
# (Stock Jupyter Book pages log "Identifier 'THEBE_JS_URL' has already been declared"; _config.yml removes
# its cause, sphinx_thebe, so it is not allowed here.)
KNOWN_CONSOLE_NOISE: list[re.Pattern] = []


def _pages() -> list[str]:
    if not HTML.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(HTML):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".html") and not (dirpath == str(HTML) and name in SKIP_PAGES):
                found.append(pathlib.Path(dirpath, name).relative_to(HTML).as_posix())
    return found


PAGES = _pages()


def _require_build() -> None:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book in {HTML}: run `make book` first", pytrace=False)


# ------------------------------------------------------------------------------------------- fixtures
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    _require_build()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _unavailable(reason: str):
    message = f"{reason}. Install Debian's Chromium: sudo apt-get install chromium"
    if IN_CI:
        pytest.fail(f"CI=true and the browser check cannot run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _require_build()
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install playwright; no browser "
                     "download needed)")
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
                                          timeout=PAGE_TIMEOUT_MS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser"
            _unavailable(f"Chromium at {CHROMIUM} did not start ({exc})")
        try:
            yield chromium
        finally:
            chromium.close()


class PageVisit:
    """One page opened with every request, failure and console message recorded."""

    def __init__(self, browser, base: str):
        self.base = base
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.context = browser.new_context(service_workers="block")
        self.context.set_default_timeout(WAIT_TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _local(self, url: str) -> bool:
        return url.startswith(self.base + "/") or url == self.base or url.split(":", 1)[0] in ("data", "blob",
                                                                                                "about")

    def _route(self, route):
        url = route.request.url
        if self._local(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")

    def _request_failed(self, request):
        if self._local(request.url):  # outside requests are blocked on purpose and reported as such
            self.failed.append(f"{request.url} ({request.failure})")

    def _console(self, msg):
        if msg.type == "error":
            text = msg.text
            if not any(p.fullmatch(text) for p in KNOWN_CONSOLE_NOISE):
                self.console_errors.append(f"{text} ({msg.location.get('url', '')})")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url} (HTTP {response.status})")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits = []

    def open_page(path: str) -> PageVisit:
        v = PageVisit(browser, server)
        visits.append(v)
        response = v.page.goto(f"{server}/{path}", wait_until="load", timeout=PAGE_TIMEOUT_MS)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        redirect = REFRESH_RE.search((HTML / path).read_text(encoding="utf-8", errors="replace"))
        if redirect:  # e.g. the root index.html of Jupyter Book: follow it and check where it leads
            target = urllib.parse.urljoin(f"{server}/{path}", redirect.group(1))
            v.page.wait_for_url(target, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        return v

    yield open_page
    for v in visits:
        v.close()


# ------------------------------------------------------------------------------------- page checks
MATH_STATE_JS = """() => {
  const math = Array.from(document.querySelectorAll('.math'));
  return {
    total: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container'))
                   .map(e => e.textContent.trim().slice(0, 80)),
    errors: Array.from(document.querySelectorAll('mjx-merror'))
                 .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80)),
  };
}"""

RAW_TEX_JS = r"""() => {
  const root = document.querySelector('main') || document.body;
  const skip = 'pre, code, script, style, textarea, mjx-container, .math, .highlight, .output, .cell_output';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    const t = n.textContent;
    if (/\$\$|\\\(|\\\[|\\begin\{/.test(t)) found.push(t.trim().slice(0, 80));
  }
  return found;
}"""

IMAGES_JS = """() => Array.from(document.images).map(i => ({
  src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}))"""


def _check_math(v: PageVisit, path: str) -> list[str]:
    state = v.page.evaluate(MATH_STATE_JS)
    if state["total"] == 0:
        return []
    try:
        v.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                 timeout=WAIT_TIMEOUT_MS)
        v.page.evaluate("""(ms) => Promise.race([MathJax.startup.promise,
                           new Promise((_, reject) => setTimeout(() => reject('MathJax timeout'), ms))])""",
                        WAIT_TIMEOUT_MS)
        v.page.wait_for_function("""() => Array.from(document.querySelectorAll('.math'))
                                      .every(e => e.querySelector('mjx-container'))""", timeout=WAIT_TIMEOUT_MS)
    except Exception as exc:  # noqa: BLE001 - reported below with the page's state
        state = v.page.evaluate(MATH_STATE_JS)
        return [(f"MathJax did not typeset {len(state['untypeset'])} of {state['total']} math elements "
                 f"({type(exc).__name__}): {state['untypeset'][:3]}")]
    state = v.page.evaluate(MATH_STATE_JS)
    problems = [f"TeX error in math: {e}" for e in state["errors"]]
    if state["untypeset"]:
        problems.append(f"math left untypeset: {state['untypeset'][:3]}")
    return problems


def _check_images(v: PageVisit) -> list[str]:
    # Lazy images load only when scrolled to: make every image eager, then wait for all of them.
    v.page.evaluate("() => document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    with contextlib.suppress(Exception):  # a timeout here is reported below, image by image
        v.page.wait_for_function("() => Array.from(document.images).every(i => i.complete)",
                                 timeout=WAIT_TIMEOUT_MS)
    return [f"image did not load: {img['src']}" for img in v.page.evaluate(IMAGES_JS)
            if not (img["complete"] and img["width"] > 0)]


STDERR_JS = """() => Array.from(document.querySelectorAll('.output.stderr, .cell_output .stderr'))
                      .map(e => e.textContent)"""
#: Progress-bar frames as tqdm prints them (``12.3it/s]``, ``1.05s/it]``).
PROGRESS_FRAME_RE = re.compile(r"(it/s|s/it)\]")


def _check_stderr(v: PageVisit) -> list[str]:
    """A reader sees no progress-bar frames and no stderr blocks (warnings, bars) in a chapter."""
    blocks = v.page.evaluate(STDERR_JS)
    problems = []
    frames = sum(len(PROGRESS_FRAME_RE.findall(text)) for text in blocks)
    if frames:
        problems.append(f"{frames} progress-bar frame(s) shown in stored outputs")
    if blocks:
        problems.append(f"{len(blocks)} stderr block(s) shown, the first: {blocks[0].strip()[:120]!r}")
    return problems


@pytest.mark.parametrize("path", PAGES or [pytest.param("index.html", id="no-build")])
def test_page(visit, path):
    v = visit(path)
    problems = _check_math(v, path)
    problems += _check_stderr(v)
    problems += _check_images(v)
    problems += [f"raw TeX left in the text: {t!r}" for t in v.page.evaluate(RAW_TEX_JS)]
    v.page.wait_for_timeout(200)  # let late console messages and requests arrive
    problems += [f"request outside the site: {u}" for u in v.outside]
    problems += [f"failed request: {f}" for f in v.failed]
    problems += [f"console error: {e}" for e in v.console_errors]
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_every_chapter_was_built():
    _require_build()
    missing = [p.stem for p in sorted((ROOT / "book").glob("ch*.ipynb"))
               if f"book/{p.stem}.html" not in PAGES]
    assert not missing, f"chapters without a page in {HTML}: {missing} (are they in _toc.yml?)"


def test_student_zip_link(visit, server):
    v = visit("book/appendix_exercises.html")
    hrefs = v.page.eval_on_selector_all(f'a[href$="{ZIP_NAME}"]', "els => els.map(e => e.href)")
    assert hrefs, f"book/appendix_exercises.html has no link to {ZIP_NAME}"
    for href in set(hrefs):
        assert href.startswith(server + "/"), f"the zip link leaves the site: {href}"
        response = v.page.request.get(href, timeout=PAGE_TIMEOUT_MS)
        assert response.status == 200, f"{href}: HTTP {response.status}"
        with zipfile.ZipFile(io.BytesIO(response.body())) as zf:
            names = set(zf.namelist())
    chapters = [p.name for p in sorted((ROOT / "book").glob("ch*.ipynb"))]
    missing = [c for c in chapters if f"student-notebooks/{c}" not in names]
    assert not missing, f"the published zip lacks {missing}: run `make book` (it runs `make student`)"
    intro = visit("book/intro.html")
    assert intro.page.eval_on_selector_all(f'a[href$="{ZIP_NAME}"]', "els => els.length"), \
        f"book/intro.html has no link to {ZIP_NAME}"


# --------------------------------------------------------------------------------- static HTML scan
class _AssetScanner(html.parser.HTMLParser):
    """Collects URLs an HTML page loads by itself: src of script/img/iframe/..., stylesheet/preload links."""

    LOADING_RELS = frozenset({"stylesheet", "preload", "modulepreload", "icon", "shortcut", "prefetch", "manifest"})

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "embed", "source", "audio", "video", "input") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & self.LOADING_RELS:
                self.urls.append(attrs["href"])


def _remote(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.IGNORECASE))


def test_no_remote_assets_in_html():
    _require_build()
    problems = []
    for path in sorted(HTML.rglob("*.html")):
        if "mathjax" in path.relative_to(HTML).parts:
            continue
        scanner = _AssetScanner()
        text = path.read_text(encoding="utf-8", errors="replace")
        scanner.feed(text)
        problems += [f"{path.relative_to(HTML)}: loads {u}" for u in scanner.urls if _remote(u)]
        problems += [f"{path.relative_to(HTML)}: CSS url({u})" for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
                     if _remote(u)]
    for css in sorted((HTML / "_static").rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8", errors="replace")):
            if _remote(url):
                problems.append(f"{css.relative_to(HTML)}: url({url})")
    assert not problems, "remote assets:\n  " + "\n  ".join(problems[:50])


def test_pages_were_found():
    _require_build()
    assert "book/intro.html" in PAGES, f"no book/intro.html among the pages found in {HTML}: {PAGES[:10]}"
    assert urllib.parse.quote("index.html") in PAGES
