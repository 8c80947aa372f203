"""The similarity page: the top pairs side by side, the matching lines marked; looked at in headless Chromium."""

import re

import pytest

from grader.reporting.similar_html import COLOURS, SHARED, render_similarity_html
from grader.verbs.similar import similar

import disguise
from similar_cases import ORIGINAL, independent, write
from browser import needs_chromium, screenshot

NAME = "softmax_regression"


@pytest.fixture
def report(tmp_path):
    """A copy of one submission as a notebook with every disguise, and independent solutions."""
    folder = tmp_path / "class"
    original = ORIGINAL[NAME].read_text()
    write(folder, "amy", original, NAME)
    from grader.classroom.fingerprints import stub_fingerprint
    from similar_cases import ROOT
    api = stub_fingerprint((ROOT / "assignments" / NAME / "stub.py").read_text()).api
    write(folder, "bo<b>", disguise.disguise_all(original, api, seed=5), NAME, notebook=True)
    for path in independent(NAME):
        if path != ORIGINAL[NAME]:
            write(folder, f"own_{path.stem}", path.read_text(), NAME, notebook=path.suffix == ".ipynb")
    return similar(directory=folder, assignment=NAME)


def test_the_page_shows_the_top_pairs_side_by_side_with_the_matching_lines_marked(report):
    page = render_similarity_html(report, top=3)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('<section class="check"') == 3
    first = report.pairs[0]
    assert {first.a.student, first.b.student} == {"amy", "bo<b>"}
    assert "amy and bo&lt;b&gt;: 1.000 (same code after normalising)" in page and "bo<b>" not in page
    # amy's functions are marked in the colours of their matches; her imports, top-level code, in grey.
    section = page.split('id="pair1"')[1].split('id="pair2"')[0]
    left, right = section.split("<h3>")[1:3]
    marked = re.findall(r'<tr style="background:(#[0-9a-f]{6})"><td class="n">\d+</td>', left)
    assert sum(c in COLOURS for c in marked) > 15 and len(set(marked) & set(COLOURS)) == 6
    assert set(marked) <= {*COLOURS, SHARED} and 0 < marked.count(SHARED) <= 3
    assert '<tr class="cell">' in right and "cell 2" in right  # the notebook's cells, numbered
    assert '<tr class="cell">' not in left
    assert "more pairs are not shown here" in page
    # An independent pair with no function alike: what lines it shares are grey.
    last = page.split('id="pair3"')[1]
    assert report.pairs[2].matches() == [] and 'class="chip"' not in last
    assert set(re.findall(r'<tr style="background:(#[0-9a-f]{6})">', last)) == {SHARED}


@needs_chromium
def test_the_page_renders_in_headless_chromium(report, tmp_path):
    page = tmp_path / "similar.html"
    page.write_text(render_similarity_html(report, top=2), encoding="utf-8")
    colors = screenshot(page, 1400, 2400)

    def pixels_near(hex_colour):
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return sum(n for n, c in colors if all(abs(a - b) < 8 for a, b in zip(c, rgb)))

    # The marked lines of the first functions, in both columns: the stylesheet and the marks applied.
    assert pixels_near(COLOURS[0]) > 20000 and pixels_near(COLOURS[1]) > 20000
    assert pixels_near("#c62828") > 100  # the red "look" beside the flagged pair's score
