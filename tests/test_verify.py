"""verify: a clean history passes; every tamper case is found."""

from __future__ import annotations

import json

from conftest import Ledger


def _commit(lg: Ledger, message: str, signer: str | None = "zhou-lx") -> None:
    if signer:
        lg.use(signer)
        lg.git("commit", "-qam", message)
    else:
        lg.git("-c", "commit.gpgsign=false", "commit", "-qam", message)


def _findings(lg: Ledger, *args: str) -> list[str]:
    result = lg.run("verify", "--json", *args)
    data = json.loads(result.out)
    assert result.code == (1 if data["findings"] else 0)
    return [f["message"] for f in data["findings"]]


def test_a_clean_history_verifies_and_runs_are_incremental(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("return", "K-0012")
    first = json.loads(ledger.ok("verify", "--json").out)
    assert first["findings"] == [] and first["checked"] == 9 and first["from"] is None
    root_fp = first["root_fingerprint"]
    assert root_fp.startswith("SHA256:")
    again = json.loads(ledger.ok("verify", "--json").out)
    assert again["checked"] == 0 and again["from"] == ledger.head()
    ledger.ok("checkout", "K-0012", "--purpose", "heating", as_="wang-dh")
    assert json.loads(ledger.ok("verify", "--json").out)["checked"] == 1
    assert json.loads(ledger.ok("verify", "--json", "--full", "--pin", root_fp).out)["checked"] == 10
    assert "pinned" in _findings(ledger, "--pin", "SHA256:somebodyelse")[0]
    text = ledger.ok("verify", "--since", "HEAD~2").err
    assert "2 commit(s) verified, 0 finding(s)" in text and root_fp in text


def test_an_unsigned_commit(ledger: Ledger) -> None:
    (ledger.root / "households/8-1-401.yaml").write_text(
        (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8").replace(
            "notes: ''", "notes: 改了"), encoding="utf-8")
    _commit(ledger, "notes\n\nKeyledger-Action: household-edit\nKeyledger-Steward: zhou-lx", None)
    assert _findings(ledger) == ["not signed"]


def test_a_commit_signed_by_an_unknown_key(ledger: Ledger) -> None:
    (ledger.root / "households/8-1-401.yaml").write_text(
        (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8").replace(
            "notes: ''", "notes: 改了"), encoding="utf-8")
    _commit(ledger, "notes\n\nKeyledger-Action: household-edit\nKeyledger-Steward: zhou-lx",
            "outsider")
    findings = _findings(ledger)
    assert len(findings) == 1 and "a key of no steward" in findings[0]


def test_a_steward_making_themselves_supervisor(ledger: Ledger) -> None:
    path = ledger.root / "stewards/wang-dh.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: steward", "role: supervisor"),
                    encoding="utf-8")
    _commit(ledger, "promote\n\nKeyledger-Action: steward-add\nKeyledger-Steward: wang-dh", "wang-dh")
    assert _findings(ledger) == ["it changes the roster or the policies but was not signed by a "
                                 "supervisor"]


def test_the_last_supervisor_demoting_themselves(ledger: Ledger) -> None:
    path = ledger.root / "stewards/liu-sj.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: supervisor", "role: steward"),
                    encoding="utf-8")
    _commit(ledger, "edit steward 刘淑娟 (liu-sj)\n\nKeyledger-Action: steward-edit\n"
            "Keyledger-Steward: liu-sj\nKeyledger-Roster: liu-sj\nKeyledger-Role: steward\n"
            "Keyledger-Fields: role", "liu-sj")
    assert _findings(ledger) == ["it leaves the ledger without an active supervisor: nobody "
                                 "could change the roster or the policies again"]


def test_a_signer_not_named_in_the_trailers(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("return", "K-0012")
    ledger.ok("checkout", "K-0012", "--purpose", "plants")
    message = ledger.git("log", "-1", "--format=%B").replace("Keyledger-Steward: zhou-lx",
                                                             "Keyledger-Steward: wang-dh")
    ledger.git("reset", "-q", "--soft", "HEAD~1")
    ledger.git("commit", "-q", "-m", message)
    assert "its trailers name wang-dh but it was signed by zhou-lx" in _findings(ledger, "--full")


def test_trailers_that_disagree_with_the_file(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    path = ledger.root / "keys/K-0012.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("purpose: plants",
                                                             "purpose: heating"), encoding="utf-8")
    message = ledger.git("log", "-1", "--format=%B")
    ledger.git("commit", "-q", "--amend", "-a", "-m", message)
    assert _findings(ledger) == ["its trailers do not replay to the key file it wrote"]


def test_a_checkout_the_rules_refuse(ledger: Ledger) -> None:
    path = ledger.root / "keys/K-0012.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("state: in", "state: out"), ("holder: null", "holder: sun-yp"),
                     ("since: null", "since: 2026-11-25T14:00:00+08:00"),
                     ("purpose: null", "purpose: plants"),
                     ("expected_back: null", "expected_back: 2026-11-25T16:00:00+08:00")):
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    _commit(ledger, "checkout K-0012\n\nKeyledger-Action: checkout\nKeyledger-Key: K-0012\n"
            "Keyledger-Household: 8-1-401\nKeyledger-Steward: sun-yp\nKeyledger-Holder: sun-yp\n"
            "Keyledger-Purpose: plants\nKeyledger-At: 2026-11-25T14:00:00+08:00\n"
            "Keyledger-Expected-Back: 2026-11-25T16:00:00+08:00", "sun-yp")
    findings = _findings(ledger)
    assert len(findings) == 1 and "not in the A/B pair" in findings[0]


def test_a_history_rewritten_under_an_existing_clone(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    ledger.ok("verify")
    ledger.git("reset", "-q", "--hard", "HEAD~1")
    ledger.ok("checkout", "K-0012", "--purpose", "heating")
    assert "rewritten" in _findings(ledger)[0]


def test_a_plain_code_committed_by_hand(ledger: Ledger) -> None:
    path = ledger.root / "keys/K-0012.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("code: null", "code: '482913'"),
                    encoding="utf-8")
    _commit(ledger, "code\n\nKeyledger-Action: code-rotate\nKeyledger-Key: K-0012\n"
            "Keyledger-Steward: zhou-lx")
    findings = _findings(ledger)
    assert any("never a plain one" in f for f in findings)
    assert not any("482913" in f for f in findings)


def test_a_commit_made_outside_keyledger(ledger: Ledger) -> None:
    (ledger.root / "notes.txt").write_text("hello", encoding="utf-8")
    ledger.git("add", "notes.txt")
    _commit(ledger, "just a note", "liu-sj")  # a supervisor: only the missing trailers
    assert _findings(ledger) == ["made outside keyledger: it has no Keyledger-Action trailer"]


def test_custody_forged_under_another_action(ledger: Ledger) -> None:
    path = ledger.root / "keys/K-0012.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (("state: in", "state: out"), ("holder: null", "holder: sun-yp"),
                     ("since: null", "since: 2026-11-25T14:00:00+08:00"),
                     ("purpose: null", "purpose: plants")):
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    _commit(ledger, "edit\n\nKeyledger-Action: household-add\nKeyledger-Household: 8-1-401\n"
            "Keyledger-Steward: sun-yp", "sun-yp")
    findings = _findings(ledger)
    assert len(findings) == 1 and "which a household-add commit does not write" in findings[0]


def test_a_key_file_deleted_and_a_visit_edited(ledger: Ledger) -> None:
    ledger.ok("visit", "add", "8-1-401", "--purpose", "call", "--outcome", "answered", "--note", "一切正常", as_="zhou-lx")
    ledger.ok("verify")
    visit = next((ledger.root / "visits").rglob("*.yaml"))
    visit.write_text(visit.read_text(encoding="utf-8").replace("一切正常", "没人在家"),
                     encoding="utf-8")
    ledger.git("rm", "-q", "keys/K-0012.yaml")
    _commit(ledger, "tidy\n\nKeyledger-Action: key-add\nKeyledger-Steward: zhou-lx")
    findings = _findings(ledger)
    assert any("it deletes keys/K-0012.yaml" in f for f in findings), findings
    assert any("a visit's record is written once" in f for f in findings), findings


def test_a_new_household_with_a_pair_by_a_steward(ledger: Ledger) -> None:
    source = (ledger.root / "households/8-1-401.yaml").read_text(encoding="utf-8")
    (ledger.root / "households/8-1-402.yaml").write_text(
        source.replace("id: 8-1-401", "id: 8-1-402"), encoding="utf-8")
    ledger.git("add", "households/8-1-402.yaml")
    _commit(ledger, "add\n\nKeyledger-Action: household-add\nKeyledger-Household: 8-1-402\n"
            "Keyledger-Steward: zhou-lx")
    findings = _findings(ledger)
    assert len(findings) == 1 and "Only a supervisor assigns a household's A/B pair (8-1-402)" \
        in findings[0], findings


def test_verify_since_a_later_commit_does_not_vouch_for_earlier_ones(ledger: Ledger) -> None:
    ledger.ok("verify")
    (ledger.root / "notes.txt").write_text("hello", encoding="utf-8")
    ledger.git("add", "notes.txt")
    _commit(ledger, "just a note", "liu-sj")  # a supervisor: only the missing trailers
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    assert ledger.run("verify", "--since", "HEAD~1").code == 0
    assert _findings(ledger) == ["made outside keyledger: it has no Keyledger-Action trailer"]


def test_an_authorization_widened_by_a_steward(ledger: Ledger) -> None:
    path = ledger.root / "households/8-1-401.yaml"
    text = path.read_text(encoding="utf-8")
    assert "purposes: [inspection," in text
    path.write_text(text.replace("purposes: [inspection,", "purposes: [emergency, inspection,"),
                    encoding="utf-8")
    _commit(ledger, "authorization of 8-1-401\n\nKeyledger-Action: authorize\n"
            "Keyledger-Household: 8-1-401\nKeyledger-Steward: zhou-lx", "zhou-lx")
    findings = _findings(ledger)
    assert len(findings) == 1
    assert findings[0].startswith("the rules refuse its change to 8-1-401: Only a supervisor "
                                  "records or renews the owner's authorization")


def test_a_pair_changed_by_a_steward(ledger: Ledger) -> None:
    path = ledger.root / "households/8-1-401.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("b: wang-dh", "b: sun-yp"),
                    encoding="utf-8")
    _commit(ledger, "pair\n\nKeyledger-Action: pair\nKeyledger-Household: 8-1-401\n"
            "Keyledger-Steward: zhou-lx", "zhou-lx")
    findings = _findings(ledger)
    assert len(findings) == 1 and "Only a supervisor assigns a household's A/B pair" in findings[0]


def test_a_commit_writing_thousands_of_files_is_walked(ledger: Ledger) -> None:
    # More blob ids than a pipe holds are asked for at once: the walk must not wait on itself.
    import subprocess
    import sys

    for i in range(3000):
        (ledger.root / "notes").mkdir(exist_ok=True)
        (ledger.root / "notes" / f"n{i}.txt").write_text(f"note {i}\n" * 20, encoding="utf-8")
    ledger.git("add", "notes")
    _commit(ledger, "many notes")
    done = subprocess.run([sys.executable, "-m", "keyledger", "-C", str(ledger.root), "verify",
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["findings"][0]["message"] == \
        "made outside keyledger: it has no Keyledger-Action trailer"


def test_a_commit_message_with_the_output_separators_does_not_end_the_walk(ledger: Ledger) -> None:
    ledger.ok("verify")
    (ledger.root / "notes.txt").write_text("hello", encoding="utf-8")
    ledger.git("add", "notes.txt")
    _commit(ledger, "sneaky \x1e\x1f subject")
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    findings = _findings(ledger)
    assert findings, "a commit that cannot be read must never pass as verified"


def test_templates_and_other_files_are_a_supervisors_to_change(ledger: Ledger) -> None:
    folder = ledger.root / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "owner.md.j2").write_text(
        '{{ cycler.__init__.__globals__.os.system("touch pwned") }}\n', encoding="utf-8")
    ledger.git("add", "templates")
    _commit(ledger, "x\n\nKeyledger-Action: visit\nKeyledger-Household: 8-1-401\n"
            "Keyledger-Steward: zhou-lx")
    assert _findings(ledger) == ["it changes templates/en/owner.md.j2, which only a supervisor "
                                 "may change (report templates and git's settings act on every "
                                 "steward's machine)"]
    # And a template may format, never reach Python: the sandbox refuses it.
    refused = ledger.run("report", "owner", "8-1-401", "--lang", "en")
    assert refused.code == 2 and not (ledger.root / "pwned").exists(), refused.err


def test_a_path_git_would_quote_does_not_slip_past_the_roster_rule(ledger: Ledger) -> None:
    source = (ledger.root / "stewards/sun-yp.yaml").read_text(encoding="utf-8")
    (ledger.root / 'stewards/sun"yp.yaml').write_text(
        source.replace("role: steward", "role: supervisor"), encoding="utf-8")
    ledger.git("add", "stewards")
    _commit(ledger, "x\n\nKeyledger-Action: visit\nKeyledger-Household: 8-1-401\n"
            "Keyledger-Steward: zhou-lx")
    assert "it changes the roster or the policies but was not signed by a supervisor" \
        in _findings(ledger)


def test_verify_is_not_fooled_by_the_users_git_settings(ledger: Ledger, tmp_path,
                                                        monkeypatch) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    config = tmp_path / "gitconfig"
    config.write_text("[log]\n\tshowSignature = true\n\tshowRoot = false\n"
                      "[i18n]\n\tlogOutputEncoding = gbk\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert _findings(ledger, "--full") == []


def test_a_trailer_time_without_its_offset_is_a_finding(ledger: Ledger) -> None:
    ledger.ok("checkout", "K-0012", "--purpose", "plants", as_="zhou-lx")
    message = ledger.git("log", "-1", "--format=%B")
    at = next(line for line in message.splitlines() if line.startswith("Keyledger-At: "))
    ledger.git("commit", "-q", "--amend", "-m", message.replace(at, at[:-6]))
    findings = _findings(ledger)
    assert len(findings) == 1 and findings[0].startswith("its trailers cannot be replayed")


def test_a_key_registered_with_a_reservation_is_a_finding(ledger: Ledger) -> None:
    source = (ledger.root / "keys/K-0012.yaml").read_text(encoding="utf-8")
    (ledger.root / "keys/K-0099.yaml").write_text(source.replace("id: K-0012", "id: K-0099")
        .replace("reservations: []", "reservations:\n- from: 2026-11-25T09:00:00+08:00\n"
                 "  until: 2027-11-25T09:00:00+08:00\n  purpose: other\n  steward: sun-yp"),
        encoding="utf-8")
    ledger.git("add", "keys")
    _commit(ledger, "x\n\nKeyledger-Action: key-add\nKeyledger-Key: K-0099\n"
            "Keyledger-Steward: sun-yp", "sun-yp")
    assert any("which a key-add commit does not write" in f for f in _findings(ledger))
