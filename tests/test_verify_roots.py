"""`verify` finds the first commits of the history without walking all of it each time (the
answer is kept for the commit it was asked of); a second first commit merged in later is still
found, and a kept answer that is not about this history is only a slower run."""

from __future__ import annotations

from conftest import Ledger


def _merge_another_root(ledger: Ledger) -> None:
    ledger.git("checkout", "-q", "--orphan", "other")
    ledger.git("commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", "another first commit")
    ledger.git("checkout", "-q", "-f", "main")
    ledger.git("merge", "-q", "--no-gpg-sign", "--allow-unrelated-histories", "--no-edit",
               "other")


def test_a_first_commit_merged_in_after_a_verify_is_found(ledger: Ledger) -> None:
    memory = ledger.root / ".git/keyledger/roots"
    assert ledger.ok("verify").code == 0
    first = memory.read_text().split()
    assert first[0] == ledger.head() and len(first) == 2
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert ledger.ok("verify").code == 0
    assert memory.read_text().split() == [ledger.head(), first[1]]
    _merge_another_root(ledger)
    result = ledger.run("verify")
    assert result.code != 0 and "2 first commits" in result.out + result.err


def test_a_kept_answer_about_another_history_is_not_believed(ledger: Ledger) -> None:
    memory = ledger.root / ".git/keyledger/roots"
    _merge_another_root(ledger)
    # An answer kept for a commit this history does not hold: git is asked again.
    memory.write_text("0" * 40 + " " + ledger.head() + "\n")
    result = ledger.run("verify")
    assert result.code != 0 and "2 first commits" in result.out + result.err


def test_since_reads_the_files_it_needs_from_the_start_commit(ledger: Ledger) -> None:
    """`verify --since` lists only the roster at its start; the household a checkout in the
    range needs (unchanged since before the start) is asked of git, and a hand edit of that
    household inside the range is still judged against the file as it was."""
    ledger.ok("household", "edit", "8-1-401", "--name", "王秀英", as_="liu-sj")
    start = ledger.head()
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("return", "K-0012", as_="zhou-lx")
    assert ledger.ok("verify", "--since", start).code == 0
    path = ledger.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("王秀英", "王秀芳"), encoding="utf-8")
    ledger.git("commit", "-q", "--no-gpg-sign", "-am", "renamed by hand, unsigned")
    result = ledger.run("verify", "--since", start)
    assert result.code != 0 and "not signed" in result.out + result.err


def test_a_folder_asked_about_often_is_listed_once_and_read_the_same(ledger: Ledger,
                                                                      monkeypatch) -> None:
    from keyledger import verify, walk
    from keyledger.ledger import Ledger as Core

    start = ledger.head()
    for _ in range(3):
        ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
        ledger.ok("return", "K-0012", as_="zhou-lx")
    answers = []
    for limit in (0, 1, 100):  # listed at once, after one lookup, never
        monkeypatch.setattr(walk, "LOOKUPS_BEFORE_LISTING", limit)
        result = verify.verify(Core(ledger.root), since=start)
        answers.append((result.checked, result.findings))
    assert answers == [(6, [])] * 3
