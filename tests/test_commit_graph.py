"""git's commit-graph with changed-path Bloom filters is kept fresh, off the steward's path."""

from __future__ import annotations

import time

import pytest

from conftest import Ledger
from keyledger import ledger as ledger_module


def test_every_few_commits_a_layer_with_bloom_filters_is_written(
        ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_module, "GRAPH_EVERY", 2)
    graphs = ledger.root / ".git/objects/info/commit-graphs"
    assert not graphs.exists()
    (ledger.root / ".git/keyledger/graph-pending").write_text("0")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert (ledger.root / ".git/keyledger/graph-pending").read_text() == "1"
    ledger.ok("return", "K-0012")
    assert (ledger.root / ".git/keyledger/graph-pending").read_text() == "0"
    deadline = time.monotonic() + 30
    while not (graphs / "commit-graph-chain").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    layers = list(graphs.glob("graph-*.graph"))
    assert layers and all(b"BIDX" in layer.read_bytes() for layer in layers)
    ledger.git("commit-graph", "verify")
    head = ledger.head()
    assert any(bytes.fromhex(head) in layer.read_bytes() for layer in layers)
