"""Measure offline language detectors on English eval data and short Nordic/German paragraphs.

    python scripts/measure_language_detectors.py [--data ../shared/eval-data]

py3langid is kb's dependency; langdetect is measured too when it is importable (install it into
a throw-away folder and put that on PYTHONPATH). Prints ms per text and every wrong label
(docs/decisions/17-languages.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SWEDISH = {"toolbox/forskare-pa-plats-kompetensvaxling.md": "sv"}  # the rest of corpus/: English
# Short paragraphs written for this check, three per language.
OWN = {
    "sv": ["Klusterorganisationen samlar företag, universitet och offentliga aktörer i regionen "
           "för att driva innovation och stärka konkurrenskraften.",
           "Workshopen tar en halv dag. Deltagarna kartlägger sina behov och väljer tillsammans "
           "två utmaningar att arbeta vidare med under hösten.",
           "Projektet finansierades av Vinnova och pågick i arton månader. Nio "
           "klusterorganisationer deltog och testade nya arbetssätt för internationalisering."],
    "no": ["Klyngen samler bedrifter, forskningsmiljøer og offentlige aktører for å styrke "
           "innovasjon og verdiskaping i regionen.",
           "Verkstedet varer en halv dag. Deltakerne kartlegger behovene sine og velger sammen "
           "to utfordringer de vil jobbe videre med i høst.",
           "Prosjektet ble finansiert av Innovasjon Norge og varte i atten måneder. Ni klynger "
           "deltok og prøvde ut nye arbeidsmåter."],
    "da": ["Klyngen samler virksomheder, universiteter og offentlige aktører for at styrke "
           "innovation og vækst i regionen.",
           "Workshoppen varer en halv dag. Deltagerne kortlægger deres behov og vælger sammen to "
           "udfordringer, som de arbejder videre med i efteråret.",
           "Projektet blev finansieret af Innovationsfonden og varede i atten måneder. Ni "
           "klyngeorganisationer deltog og afprøvede nye arbejdsgange."],
    "fi": ["Klusteri kokoaa yhteen yrityksiä, yliopistoja ja julkisia toimijoita vahvistamaan "
           "alueen innovaatiotoimintaa ja kilpailukykyä.",
           "Työpaja kestää puoli päivää. Osallistujat kartoittavat tarpeensa ja valitsevat "
           "yhdessä kaksi haastetta, joiden parissa työskennellään syksyllä.",
           "Hanketta rahoitti Business Finland ja se kesti kahdeksantoista kuukautta. Mukana oli "
           "yhdeksän klusteriorganisaatiota."],
    "de": ["Das Cluster bringt Unternehmen, Hochschulen und öffentliche Einrichtungen zusammen, "
           "um Innovation und Wettbewerbsfähigkeit in der Region zu stärken.",
           "Der Workshop dauert einen halben Tag. Die Teilnehmenden erfassen ihren Bedarf und "
           "wählen gemeinsam zwei Herausforderungen aus.",
           "Das Projekt wurde vom Bund gefördert und lief achtzehn Monate. Neun "
           "Clusterorganisationen nahmen teil und erprobten neue Arbeitsweisen."],
}


def texts(data: Path) -> list[tuple[str, str, str]]:
    """(expected language, group, text) for every text measured."""
    from ingest.loaders import load, supported

    corpus = ROOT / "corpus"
    out = []
    for p in sorted(corpus.rglob("*")):
        if p.is_file() and supported(p) and p.name != "README.md":
            source = p.relative_to(corpus).as_posix()
            doc = load(p, source)
            out.append((SWEDISH.get(source, "en"), "corpus", " ".join(u.text for u in doc.units)))
    with open(data / "eu-call-topics" / "eu_ft_call_topics_open.jsonl", encoding="utf-8") as f:
        topics = [json.loads(line) for _, line in zip(range(300), f, strict=False)]
    out += [("en", "eu-topics", t["title"] + "\n" + t["description"])
            for t in topics if t.get("description")]
    with open(data / "scifact" / "corpus.jsonl", encoding="utf-8") as f:
        docs = [json.loads(line) for _, line in zip(range(300), f, strict=False)]
    out += [("en", "scifact", d["title"] + "\n" + d["text"]) for d in docs]
    import pypdf

    pages = pypdf.PdfReader(data / "real-pdfs" / "star-methodologie-fr.pdf").pages[:5]
    out.append(("fr", "real-pdf-fr", " ".join(p.extract_text() or "" for p in pages)))
    out += [(lang, "own", t) for lang, group in OWN.items() for t in group]
    return out


def measure(name: str, detect, items) -> None:
    started, wrong = time.perf_counter(), []
    for gold, group, text in items:
        got = detect(text[:5000])
        got = "no" if got in ("nb", "nn") else got
        if got != gold:
            wrong.append((group, gold, got, text[:60]))
    ms = 1000 * (time.perf_counter() - started) / len(items)
    print(f"{name}: {len(items)} texts, {ms:.1f} ms/text, {len(wrong)} wrong")
    for w in wrong:
        print("   ", w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval-data")
    items = texts(parser.parse_args().data)
    started = time.perf_counter()
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    print(f"py3langid model loaded in {time.perf_counter() - started:.1f} s")
    measure("py3langid", lambda t: ident.classify(t)[0], items)
    try:
        from langdetect import DetectorFactory, detect
    except ImportError:
        print("langdetect: not importable, skipped")
        return
    DetectorFactory.seed = 0
    measure("langdetect", detect, items)


if __name__ == "__main__":
    main()
