"""The built book in a real browser (headless Chromium), offline.

Every page of the table of contents is opened once in the light theme and once in the dark theme, and saved as
full-page screenshots (``_build/screenshots/<page>.png`` and ``_build/screenshots/dark/<page>.png``). Checked:

* the page loads with no console error and nothing is fetched from another host;
* MathJax (the book's own copy) has typeset every equation: each ``.math`` element holds an ``mjx-container``,
  no TeX error or undefined macro (e.g. one missing from _config.yml's ``mathjax3_config``), no raw TeX
  (``\\(``, ``\\[``, ``$$``, ``\\command``) left in the text outside code;
* every image has loaded (``naturalWidth > 0``);
* every link to the book itself resolves, anchors included;
* dark theme: figures keep a light background, and every text element has a WCAG contrast of at least 4.5
  (3 for large text) against what is behind it;
* the search page finds each chapter by a word of its title; the API pages list every public name of rglib
  and render their docstrings; the chapter pages offer .md / .ipynb downloads, the repository and Binder.
"""
from __future__ import annotations

import base64
import io
import json
import math
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------------------------
# the pages
# ----------------------------------------------------------------------------------------------


def _toc_files(entries) -> list[str]:
    files = []
    for entry in entries or []:
        if "file" in entry:
            files.append(entry["file"])
        files += _toc_files(entry.get("sections"))
    return files


def toc_pages() -> list[str]:
    """Document names of every page in _toc.yml, in reading order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters")}]):
        pages += _toc_files(part.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
API_PAGES = [p for p in PAGES if p.startswith("docs/api/") and not p.endswith("/index")]


def _config() -> dict:
    return yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------
# in-page probes
# ----------------------------------------------------------------------------------------------

WAIT_FOR_PAGE = r"""
const done = arguments[arguments.length - 1];
const timer = setTimeout(() => done('timeout'), 45000);
const images = Array.from(document.images);
images.forEach(img => { img.loading = 'eager'; });
const loaded = Promise.all(images.map(img => img.complete ? null :
    new Promise(resolve => { img.addEventListener('load', resolve); img.addEventListener('error', resolve); })));
const mathjax = (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) ?
    window.MathJax.startup.promise.then(() => 'typeset') : Promise.resolve(window.MathJax ? 'not started' : 'absent');
Promise.all([loaded, mathjax, document.fonts.ready]).then(
    ([_, state]) => { clearTimeout(timer); done(state); },
    error => { clearTimeout(timer); done('error: ' + error); });
"""

PROBE = r"""
const article = document.querySelector('article.bd-article') || document.body;
const skip = 'pre, code, script, style, textarea, noscript, .highlight, mjx-assistive-mml';
const texPattern = /\\[a-zA-Z]+|\\[()\[\]]|\$\$/;
const rawTex = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || parent.closest(skip)) continue;
  const match = node.textContent.match(texPattern);
  if (match) rawTex.push(node.textContent.trim().slice(0, 120));
}
const maths = Array.from(document.querySelectorAll('.math'));
return {
  title: document.title,
  mathjax_script: Array.from(document.scripts).map(s => s.src).filter(src => /mathjax/i.test(src)),
  n_math: maths.length,
  n_typeset: document.querySelectorAll('mjx-container').length,
  untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 120)),
  // TeX errors, and undefined macros (MathJax's noundefined shows them as red text "\\name")
  tex_errors: Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 120)).concat(
      (window.MathJax && MathJax.startup && MathJax.startup.document && MathJax.startup.toMML) ?
        Array.from(MathJax.startup.document.math)
          .filter(m => /<merror|<mtext[^>]*mathcolor="red"[^>]*>\\/.test(MathJax.startup.toMML(m.root)))
          .map(m => 'undefined macro or error in: ' + String(m.math).slice(0, 120)) : []),
  raw_tex: rawTex,
  failed_fonts: Array.from(document.fonts).filter(f => f.status === 'error').map(f => f.family),
  images: Array.from(document.images).map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  resources: performance.getEntriesByType('resource').map(r => r.name),
  origin: location.origin,
  signatures: Array.from(document.querySelectorAll('dl.py > dt.sig')).filter(dt => dt.getBoundingClientRect().height > 0)
      .map(dt => dt.id),
  entries_with_math: Array.from(document.querySelectorAll('dl.py > dd')).filter(dd => dd.querySelector('mjx-container'))
      .map(dd => dd.previousElementSibling && dd.previousElementSibling.id),
  article_text: article.innerText,
};
"""

DARK_PROBE = r"""
function parse(color) {
  const m = color && color.match(/rgba?\(([^)]*)\)/);
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function luminance(rgb) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
}
function background(el) {          // the colour behind el: backgrounds composited from the root down
  const chain = [];
  for (let e = el; e; e = e.parentElement) chain.push(e);
  let rgb = [255, 255, 255];
  for (const e of chain.reverse()) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) rgb = [0, 1, 2].map(i => c[i] * c[3] + rgb[i] * (1 - c[3]));
  }
  return rgb;
}
function shown(el) {
  if (!el.getClientRects().length) return false;
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none' || Number(s.opacity) === 0) return false;
  }
  return true;
}
const article = document.querySelector('article.bd-article') || document.body;
const poor = [];
let checked = 0;
for (const el of article.querySelectorAll('*')) {
  if (el.closest('mjx-assistive-mml, script, style')) continue;
  const text = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  if (!text || !shown(el)) continue;
  const style = getComputedStyle(el);
  const fg = parse(style.color);
  if (!fg) continue;
  const bg = background(el);
  const rgb = [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const [hi, lo] = [luminance(rgb), luminance(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  checked += 1;
  if (ratio < needed) poor.push({text: text.slice(0, 60), tag: el.tagName.toLowerCase(),
      cls: String(el.className).slice(0, 60), color: style.color, background: 'rgb(' + bg.map(Math.round) + ')',
      ratio: Math.round(ratio * 100) / 100});
}
const figures = Array.from(article.querySelectorAll('img')).filter(img => img.naturalWidth > 0 &&
    img.getBoundingClientRect().width >= 64 && shown(img));
return {theme: document.documentElement.dataset.theme, page_background: luminance(background(document.body)),
        checked: checked, poor: poor, n_figures: figures.length};
"""


@dataclass
class PageReport:
    state: str = ""
    probe: dict = field(default_factory=dict)
    console: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    figures: list = field(default_factory=list)  # (src, border luminance) in the dark theme


_reports: dict[tuple[str, str], PageReport] = {}


def full_page_screenshot(driver, path: Path, max_height: int = 30000) -> list[Path]:
    """The whole page as PNG: the viewport is stretched to the page's height for one shot (much faster than
    capturing beyond the viewport), in slices of ``max_height`` CSS pixels for longer pages."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = size.get("cssContentSize") or size["contentSize"]
    width, height = math.ceil(size["width"]), math.ceil(size["height"])
    path.parent.mkdir(parents=True, exist_ok=True)
    files = []
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(height, max_height), "deviceScaleFactor": 1, "mobile": False})
        for i, top in enumerate(range(0, height, max_height)):
            options = {"format": "png", "optimizeForSpeed": True}
            if i:
                options.update(captureBeyondViewport=True, clip={
                    "x": 0, "y": top, "width": width, "height": min(max_height, height - top), "scale": 1})
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", options)
            name = path if i == 0 else path.with_name(f"{path.stem}-{i + 1}.png")
            name.write_bytes(base64.b64decode(shot["data"]))
            files.append(name)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return files


def _border_luminance(png: bytes, ring: int = 4) -> float:
    """Median relative luminance of the outer ``ring`` pixels of a screenshot of one figure."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    pixels = [img.getpixel((x, y)) for x in range(w) for y in range(h)
              if x < ring or y < ring or x >= w - ring or y >= h - ring]

    def lum(c):
        f = [(v / 255 / 12.92) if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]

    values = sorted(lum(p) for p in pixels)
    return values[len(values) // 2]


def page_report(driver, base_url: str, screenshots: Path, page: str, theme: str = "light") -> PageReport:
    """Open ``page`` once per theme (cached): wait for images and MathJax, probe it, screenshot it."""
    key = (page, theme)
    if key in _reports:
        return _reports[key]
    from selenium.webdriver.common.by import By

    url = urllib.parse.urljoin(base_url, f"{page}.html")
    driver.get(base_url + "_static/")  # any page of the origin, to set the theme before the page loads
    driver.execute_script("localStorage.setItem('mode', arguments[0]); localStorage.setItem('theme', arguments[0]);",
                          theme)
    driver.get_log("browser")  # drop what came before
    driver.get(url)
    report = PageReport()
    report.state = driver.execute_async_script(WAIT_FOR_PAGE)
    time.sleep(0.2)  # let MathJax's last layout pass and the theme settle
    if theme == "light":
        report.probe = driver.execute_script(PROBE)
    else:
        report.probe = driver.execute_script(DARK_PROBE)
        for img in driver.find_elements(By.CSS_SELECTOR, "article.bd-article img"):
            if img.get_property("naturalWidth") and img.size["width"] >= 64 and img.is_displayed():
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", img)
                report.figures.append((img.get_attribute("src"), _border_luminance(img.screenshot_as_png)))
    report.console = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    folder = screenshots if theme == "light" else screenshots / theme
    report.screenshots = full_page_screenshot(driver, folder / f"{page.replace('/', '-')}.png")
    _reports[key] = report
    return report


@pytest.fixture
def light(driver, base_url, screenshots):
    return lambda page: page_report(driver, base_url, screenshots, page, "light")


@pytest.fixture
def dark(driver, base_url, screenshots):
    return lambda page: page_report(driver, base_url, screenshots, page, "dark")


# ----------------------------------------------------------------------------------------------
# static helpers
# ----------------------------------------------------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)


@cache
def ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def local_target(site: Path, base_url: str, url: str) -> tuple[Path, str] | None:
    """(file, fragment) of a link to the book itself, or None for a link elsewhere."""
    if not url.startswith(base_url):
        return None
    parts = urllib.parse.urlsplit(url)
    path = site / urllib.parse.unquote(parts.path).lstrip("/")
    if parts.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, urllib.parse.unquote(parts.fragment)


# ----------------------------------------------------------------------------------------------
# the tests
# ----------------------------------------------------------------------------------------------


def test_toc_pages_are_built(site):
    missing = [page for page in PAGES if not (site / f"{page}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from {site}: {missing}"
    assert CHAPTERS and API_PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_console_errors(light, page):
    report = light(page)
    assert report.state in {"typeset", "absent"}, f"{page}: page or MathJax did not finish loading ({report.state})"
    assert not report.console, f"{page}: console errors:\n" + "\n".join(e["message"] for e in report.console)
    offsite = [r for r in report.probe["resources"] if not r.startswith(report.probe["origin"])]
    assert not offsite, f"{page}: fetched from another host: {offsite}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(light, page):
    probe = light(page).probe
    if probe["n_math"]:
        assert probe["mathjax_script"] and all("/_static/mathjax/" in s for s in probe["mathjax_script"]), \
            f"{page}: MathJax must come from the book's _static/mathjax, not {probe['mathjax_script']}"
        assert probe["n_typeset"] >= probe["n_math"], f"{page}: {probe['n_typeset']} of {probe['n_math']} typeset"
    assert not probe["untypeset"], f"{page}: equations left as TeX: {probe['untypeset'][:5]}"
    assert not probe["tex_errors"], f"{page}: MathJax errors: {probe['tex_errors'][:5]}"
    assert not probe["raw_tex"], f"{page}: raw TeX in the text: {probe['raw_tex'][:5]}"
    assert not probe["failed_fonts"], f"{page}: MathJax fonts failed to load: {set(probe['failed_fonts'])}"


@pytest.mark.parametrize("page", PAGES)
def test_images_load(light, page):
    images = light(page).probe["images"]
    broken = [img["src"] for img in images if img["width"] == 0]
    assert not broken, f"{page}: images that did not load: {broken}"


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(light, site, base_url, page):
    broken = []
    for url in sorted(set(light(page).probe["links"])):
        target = local_target(site, base_url, url)
        if target is None:
            continue
        path, fragment = target
        if not path.is_file():
            broken.append(f"{url} (no file {path.relative_to(site)})")
        elif fragment and path.suffix == ".html" and fragment not in ids_of(path):
            broken.append(f"{url} (no anchor #{fragment})")
    assert not broken, f"{page}: broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES)
def test_dark_theme_keeps_figures_light_and_text_readable(dark, page):
    report = dark(page)
    probe = report.probe
    assert probe["theme"] == "dark" and probe["page_background"] < 0.05, f"{page}: the dark theme did not apply"
    assert len(report.figures) == probe["n_figures"]
    dim = [(src, round(lum, 3)) for src, lum in report.figures if lum < 0.3]
    assert not dim, f"{page}: figures without a light background in the dark theme (border luminance): {dim}"
    assert probe["checked"] > 0
    assert not probe["poor"], f"{page}: text below WCAG AA contrast in the dark theme:\n" + "\n".join(
        json.dumps(p) for p in probe["poor"][:10])


def _title_word(site: Path, page: str) -> str:
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    title = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))
    words = [w for w in re.findall(r"[A-Za-z]+", title) if len(w) >= 5]
    assert words, f"{page}: no word of five letters or more in its title {title!r}"
    return max(words, key=len)


@pytest.mark.parametrize("page", CHAPTERS)
def test_search_finds_chapter(driver, site, base_url, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    word = _title_word(site, page)
    driver.get(urllib.parse.urljoin(base_url, "search.html") + "?q=" + urllib.parse.quote(word))
    WebDriverWait(driver, 30).until(lambda d: re.search(r"finished|did not match", d.execute_script(
        "const s = document.querySelector('#search-results .search-summary, #search-results p');"
        "return s ? s.textContent : '';")))
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#search-results ul.search li a")]
    assert any(urllib.parse.urlsplit(h).path.endswith(f"/{page}.html") for h in hrefs), \
        f"searching {word!r} does not find {page}: {hrefs}"


def _documented_names() -> dict[str, str]:
    """Every public name of rglib -> the page path (``rglib.ising``...) under which it must be documented."""
    import importlib
    import pkgutil
    import types

    import rglib

    expected: dict[str, str] = {}
    for info in pkgutil.walk_packages(rglib.__path__, "rglib."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        expected[f"module-{info.name}"] = info.name
        package = info.name.rpartition(".")[0]
        wing = importlib.import_module(package) if package != "rglib" else None
        for name in getattr(module, "__all__", []):
            if isinstance(getattr(module, name), types.ModuleType):
                continue
            where = package if wing is not None and name in getattr(wing, "__all__", ()) else info.name
            expected[f"{where}.{name}"] = info.name
    return expected


def test_api_reference_lists_every_public_name(site):
    ids = set().union(*(ids_of(site / f"{page}.html") for page in API_PAGES))
    expected = _documented_names()
    missing = sorted(anchor for anchor in expected if anchor not in ids)
    assert not missing, ("public names without an entry in the API reference (add the module to its page in "
                         f"docs/api/ or fix its __all__): {missing}")


@pytest.mark.parametrize("page", API_PAGES)
def test_api_page_renders(light, page):
    probe = light(page).probe
    assert probe["signatures"], f"{page}: no documented object shown"
    for leaked in (".. auto", "rglib-module::", "eval-rst"):  # a directive shown as text instead of run
        assert leaked not in probe["article_text"], f"{page}: {leaked!r} in the page text"
    if page.endswith("/ising"):  # a docstring's display maths rendered in place
        assert "rglib.ising.kaufman_log_partition" in probe["entries_with_math"]


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_buttons(site, base_url, page):
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    url = urllib.parse.urljoin(base_url, f"{page}.html")
    for suffix in (".md", ".ipynb"):
        download = [h for h in hrefs if h.endswith(f"_sources/{page}{suffix}")]
        assert download, f"{page}: no {suffix} download button"
        with urllib.request.urlopen(urllib.parse.urljoin(url, download[0])) as response:
            body = response.read()
        if suffix == ".ipynb":
            code = [cell for cell in json.loads(body)["cells"] if cell["cell_type"] == "code"]
            assert all(cell.get("execution_count") is not None for cell in code), f"{page}.ipynb: not executed"
            assert any(cell.get("outputs") for cell in code), f"{page}.ipynb: no outputs"
    repository = _config()["repository"]
    repo_url = repository["url"].rstrip("/")
    assert repo_url in hrefs, f"{page}: no repository button to {repo_url}"
    org_repo = urllib.parse.urlsplit(repo_url).path.strip("/")
    binder = f"https://mybinder.org/v2/gh/{org_repo}/{repository['branch']}?urlpath=lab/tree/{page}.md"
    assert binder in {h.replace("&amp;", "&") for h in hrefs}, f"{page}: no Binder button opening {page}.md"


def test_no_page_loads_anything_from_another_host(site):
    """Static check of every built page: scripts, styles, images and frames are the book's own files."""
    pattern = re.compile(r'<(script|img|iframe)\b[^>]*\bsrc="([^"]+)"|<link\b[^>]*\bhref="([^"]+)"[^>]*>', re.I)
    offsite = []
    for path in site.rglob("*.html"):
        for match in pattern.finditer(path.read_text(encoding="utf-8", errors="replace")):
            url = match.group(2) or match.group(3)
            if match.group(3) and not re.search(r'rel="(stylesheet|preload|icon|modulepreload)"', match.group(0)):
                continue
            if re.match(r"(https?:)?//", url):
                offsite.append(f"{path.relative_to(site)}: {url}")
    for path in (site / "_static").rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", path.read_text(errors="replace")):
            offsite.append(f"{path.relative_to(site)}: {url}")
    assert not offsite, "resources from other hosts:\n" + "\n".join(sorted(offsite)[:20])
