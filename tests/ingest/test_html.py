from ingest.loaders import load
from tests.conftest import write

PAGE = """
<html><head><title>Hydrogen Valley | Example</title></head><body>
<nav><a href="/">Home</a><a href="/projects">Projects navigation link</a></nav>
<div class="cookie-banner">We use cookies to improve the site. <button>Accept</button></div>
<header><p>Site header slogan</p></header>
<main>
  <h1>Hydrogen Valley North</h1>
  <dl>
    <dt>Reference number</dt><dd>KB-ILL-2020-01</dd>
    <dt>Funding</dt><dd>SEK 3 400 000</dd>
    <dt>Project duration</dt><dd>March 2020 - June 2023</dd>
    <dt>Status</dt><dd>Completed</dd>
  </dl>
  <table><tr><th>Coordinator</th><td>H2 Cluster AB</td></tr></table>
  <h2>Results</h2>
  <p>Three refuelling pilots were built with <b>twelve</b> members.</p>
</main>
<footer><p>Copyright footer text</p></footer>
</body></html>
"""


def test_html_keeps_main_content_and_reads_label_value_pairs(tmp_path):
    doc = load(write(tmp_path / "reports" / "h2.html", PAGE), "reports/h2.html")
    text = "\n".join(u.text for u in doc.units)
    assert doc.kind == "report"
    assert doc.title == "Hydrogen Valley North"
    assert "Three refuelling pilots were built with twelve members." in text
    for chrome in ("navigation link", "cookies", "slogan", "footer"):
        assert chrome not in text
    m = doc.metadata
    assert m["reference_number"] == "KB-ILL-2020-01"
    assert m["coordinator"] == "H2 Cluster AB"
    assert m["funding_sek"] == 3400000
    assert (m["start_year"], m["end_year"]) == (2020, 2023)
    assert m["status"] == "Completed"
    assert [u.section for u in doc.units][-1] == "Results"
