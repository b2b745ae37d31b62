"""Fuzzing the parsers (front matter, WebVTT, SubRip, timestamped text): any input gives chunks or
a clean per-file ``LoadError``; an ingest run over fuzzed files never stops, naming each bad one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.loaders import load
from kb.errors import LoadError
from kb.settings import Settings
from kb.store import record_meta
from kb.testing import HashEmbedder

EXAMPLES = int(os.environ.get("ROBUST_FUZZ_EXAMPLES") or 150)  # more for a deeper search
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
S = Settings()

# -- building blocks ------------------------------------------------------------------------------
ODD = ["\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\ufeff", "\u00a0", "\x00",
       "-->", "<v", ">", "</v>", "[", "]", ":", "#", "---", "WEBVTT", "NOTE", "é", "日本", "🙂"]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
wordy = st.lists(st.one_of(st.sampled_from(["cluster", "voucher", "pilot", "Ann:", "and", "the"]),
                           text, st.sampled_from(ODD)), max_size=12).map(" ".join)
line_end = st.sampled_from(["\n", "\r\n", "\n\n", "\r", "\u2028"])


def two(n: int) -> st.SearchStrategy[str]:
    return st.integers(0, 10**n - 1).map(lambda v: str(v).zfill(n))


clock = st.one_of(
    st.builds(lambda h, m, s, sep, ms: f"{h}:{m}:{s}{sep}{ms}", two(2), two(2), two(2),
              st.sampled_from([".", ","]), two(3)),
    st.builds(lambda m, s: f"{m}:{s}", two(2), two(2)),
    st.text("0123456789:.,-> ", max_size=14),
    text,
)
timing = st.builds(lambda a, arrow, b, tail: f"{a}{arrow}{b}{tail}", clock,
                   st.sampled_from([" --> ", "-->", " -> ", " --> --> "]), clock,
                   st.sampled_from(["", " align:start", " x"]))


def document(blocks: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    """Blocks joined by random separators, sometimes with one odd character spliced in anywhere."""
    joined = st.tuples(blocks, st.sampled_from(["\n\n", "\n", "\r\n\r\n", "\n\n\n", "\n \n"])).map(
        lambda t: t[1].join(t[0]))
    return st.one_of(joined, st.tuples(joined, st.integers(0, 10**6), st.sampled_from(ODD)).map(
        lambda t: t[0][:t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1):]), text)


voice = st.builds("<v {}>{}</v>".format, text, wordy)
vtt_cue = st.builds(lambda ident, t, lines: "\n".join(([ident] if ident else []) + [t] + lines),
                    st.one_of(st.none(), st.sampled_from(["1", "intro", "NOTE x", "STYLE"]), text),
                    timing, st.lists(st.one_of(wordy, voice), max_size=3))
vtt_header = st.sampled_from(["WEBVTT", "\ufeffWEBVTT", "WEBVTT - a talk", "WEBVTT\nNOTE x",
                              "webvtt", ""])
vtt = document(st.tuples(vtt_header,
                         st.lists(st.one_of(vtt_cue, st.builds("NOTE {}".format, wordy), text),
                                  max_size=6)).map(lambda t: [t[0], *t[1]]))
srt_cue = st.builds(lambda n, t, lines: "\n".join(([n] if n is not None else []) + [t] + lines),
                    st.one_of(st.none(), st.integers(0, 99).map(str), st.sampled_from(["²", "x"])),
                    timing, st.lists(st.one_of(wordy, st.builds("[{}]".format, wordy),
                                               st.builds("{}: {}".format, text, wordy)),
                                     max_size=3))
srt = document(st.lists(st.one_of(srt_cue, text), max_size=6))
txt_line = st.one_of(
    st.builds(lambda c, who, w: f"[{c}] {who}{w}", clock,
              st.one_of(st.just(""), st.builds("{}: ".format, text)), wordy),
    st.builds("# {}".format, text), wordy)
timestamped = document(st.lists(txt_line, max_size=10))

yaml_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text,
                        st.dates(), st.sampled_from(["event", "Service", "tool", "party"]))
yaml_value = st.recursive(yaml_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)), max_leaves=6)
yaml_key = st.one_of(st.sampled_from(["title", "category", "tags", "type", "start_year",
                                      "coordinator", "presenter", "doc_id", "source", "chunks"]),
                     text)


def dump(meta: dict) -> str:
    try:
        return yaml.safe_dump(meta, allow_unicode=True)
    except yaml.YAMLError:
        return "title: x\n"


front = st.one_of(st.dictionaries(yaml_key, yaml_value, max_size=5).map(dump), text,
                  st.sampled_from(["title: [oops", "- a\n- b", ": :", "a: b: c", "&a [*a]",
                                   "!!python/object x", "x: 2001-13-45", "? [a]\n: b"]))
body = st.lists(st.one_of(st.builds("# {}".format, text), st.builds("## {}".format, text), wordy,
                          st.just("```"), text), max_size=6).map("\n\n".join)
markdown = st.one_of(st.builds(lambda f, end, b: f"---\n{f}\n---{end}{b}", front,
                               st.sampled_from(["\n", "\r\n", " \n", ""]), body), body, text)
encoding = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])


def encode(doc: str, enc: str) -> bytes:
    return doc.encode(enc, errors="replace" if enc == "cp1252" else "surrogatepass")


# -- the property ---------------------------------------------------------------------------------
def load_and_chunk(data: bytes, name: str) -> list | None:
    """The chunks of a file, or None for a clean LoadError; anything else escapes (a bug)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        try:
            doc = load(path, name)
        except LoadError as exc:
            assert exc.source == name and exc.reason.strip(), exc
            assert "\n" not in str(exc), f"a LoadError must be one line: {exc!r}"
            return None
    chunks = chunk_document(doc, S.chunk_tokens, S.chunk_overlap, S.cue_window_seconds,
                            S.cue_overlap_seconds, S.cue_window_tokens)
    assert chunks, "a loaded document must give at least one chunk"
    assert [c.id for c in chunks] == [f"{doc.doc_id}:{i}" for i in range(len(chunks))]
    assert all(c.text.strip() for c in chunks)
    for c in chunks:
        record_meta(c.metadata)
    return chunks


@FUZZ
@given(doc=markdown, enc=encoding)
@example(doc="---\n\x7f\n---\nText.\n", enc="utf-8")  # a YAML reader error: a multi-line message
def test_front_matter_and_markdown_give_chunks_or_a_load_error(doc, enc):
    load_and_chunk(encode(doc, enc), "toolbox/fuzz.md")


@FUZZ
@given(doc=vtt, enc=encoding)
def test_webvtt_gives_chunks_or_a_load_error(doc, enc):
    load_and_chunk(encode(doc, enc), "webinars/fuzz.vtt")


@FUZZ
@given(doc=srt, enc=encoding)
def test_subrip_gives_chunks_or_a_load_error(doc, enc):
    load_and_chunk(encode(doc, enc), "webinars/fuzz.srt")


@FUZZ
@given(doc=timestamped, enc=encoding)
def test_timestamped_text_gives_chunks_or_a_load_error(doc, enc):
    load_and_chunk(encode(doc, enc), "transcripts/fuzz.txt")


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".md", ".vtt", ".srt", ".txt"]))
def test_any_bytes_give_chunks_or_a_load_error(data, suffix):
    load_and_chunk(data, f"fuzz{suffix}")


# -- one ingest run over a folder of fuzzed files ------------------------------------------------
fuzzed_file = st.one_of(st.tuples(st.just(".md"), markdown), st.tuples(st.just(".vtt"), vtt),
                        st.tuples(st.just(".srt"), srt), st.tuples(st.just(".txt"), timestamped))
GOOD = "---\ntitle: Good\ncategory: event\n---\n# Good\n\nA good entry about cluster vouchers.\n"


@settings(max_examples=8, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is a whole run
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(fuzzed_file, min_size=1, max_size=12))
@example(files=[(".md", '---\n"": empty key\n---\nText.\n')])  # keys Chroma refuses in metadata
@example(files=[(".md", '---\n"#document": x\n---\nText.\n')])
def test_an_ingest_run_over_fuzzed_files_never_stops_and_reports_each_bad_file(files):
    from ingest.pipeline import run
    from kb.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        sources = {"toolbox/good.md": GOOD.encode()}
        for i, (suffix, doc) in enumerate(files):
            sources[f"toolbox/fuzz-{i}{suffix}"] = doc.encode("utf-8", "surrogatepass")
        for source, data in sources.items():
            (folder / source).parent.mkdir(parents=True, exist_ok=True)
            (folder / source).write_bytes(data)
        bad = {s for s in sources if load_and_chunk(sources[s], s) is None}

        settings_ = Settings(store=Path(tmp) / "store", lock_timeout=2)
        report = run([folder], settings_, embedder=HashEmbedder())
        assert {f["source"] for f in report.failed} == bad
        assert report.added == len(sources) - len(bad)
        records = Store(settings_).records()
        assert sorted(r["source"] for r in records.values()) == sorted(set(sources) - bad)
        assert all(r["state"] == "done" for r in records.values())


def test_ill_typed_front_matter_does_not_break_filtered_search(tmp_path):
    """Minimal: one entry with ``tags: 5`` and ``start_year: abc`` must not make every tag- or
    year-filtered search of the store raise (the loader accepts it; the filters assume types)."""
    from ingest.pipeline import run
    from kb.api import KnowledgeBase

    folder = tmp_path / "corpus" / "toolbox"
    folder.mkdir(parents=True)
    (folder / "good.md").write_text(GOOD)
    (folder / "odd.md").write_text("---\ntitle: Odd\ntags: 5\nstart_year: abc\n---\nVouchers.\n")
    settings_ = Settings(store=tmp_path / "store", lock_timeout=2)
    report = run([folder.parent], settings_, embedder=HashEmbedder())
    kb = KnowledgeBase(settings_, embedder=HashEmbedder())
    for filters in ({"tags": ["robust"]}, {"year_from": 2020}, {"year_to": 2030}):
        kb.search("cluster vouchers", filters=filters)  # raises TypeError / ValueError now
    assert report.added + len(report.failed) == 2
