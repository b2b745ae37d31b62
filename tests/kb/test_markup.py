"""Display of the Markdown marks passages carry: the CLI shows them plain, the app as emphasis;
the answer text itself stays verbatim."""

from __future__ import annotations

import json

from kb.answer import markup
from tests.conftest import write

ROW_ANSWER = "The budget: [1] | **Total** | **21 560** | [1] Pick *three* challenges. [2]"


def test_plain_drops_emphasis_marks_and_a_rows_outer_bars():
    assert markup.plain(ROW_ANSWER) == ("The budget: [1] Total | 21 560 [1] "
                                        "Pick three challenges. [2]")
    assert markup.plain("| a | b |\n| c | d |") == "a | b\nc | d"
    assert markup.plain("5 * 3 * 2 and a|b|c stay") == "5 * 3 * 2 and a|b|c stay"


def test_html_marks_escaped_text():
    assert markup.html("**&lt;b&gt;** and *x*") == "<strong>&lt;b&gt;</strong> and <em>x</em>"


def test_cli_ask_prints_plain_text_and_json_verbatim(tmp_path, capsys, monkeypatch, hash_model):
    from kb import cli

    root = tmp_path / "corpus"
    write(root / "toolbox" / "fair.md", "---\ntitle: Fair stand\ncategory: event\n---\n"
          "## Resources\n**Budget:** the shared fair stand costs EUR 9 000 for ten members.\n")
    monkeypatch.setenv("KB_STORE", str(tmp_path / "store"))
    assert cli.main(["ingest", str(root), "--json"]) == 0
    capsys.readouterr()
    question = "What does the shared fair stand cost for members?"
    assert cli.main(["ask", question]) == 0
    human = capsys.readouterr().out
    assert "Budget: the shared fair stand costs EUR 9 000" in human and "**" not in human
    assert cli.main(["ask", question, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "**Budget:**" in out["answer"] and "**Budget:**" in out["citations"][0]["snippet"]
