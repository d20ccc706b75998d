"""12.5: attachments are evidence — added once under their content's name, never changed; a
removal is a supervisor's; no symbolic link anywhere; `.gitattributes` a supervisor's."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from trust import Office, accepted_everywhere, commit, office, refused_everywhere, trailers  # noqa: F401

EDIT = "edit\n\n" + trailers(Action="household-edit", Household="8-1-401", Steward="zhou-lx",
                             Fields="notes")


def _letter(office: Office, tmp_path: Path) -> str:
    scan = tmp_path / "授权书.pdf"
    scan.write_bytes(b"%PDF-1.4 the signed letter")
    liu = office["liu-sj"]
    liu.ok("household", "authorize", "8-1-401", "--from", "2026-01-01", "--until", "2030-12-31",
           "--purpose", "inspection,plants", "--document", str(scan))
    liu.ok("sync")
    office["zhou-lx"].ok("sync")
    return f"attachments/{hashlib.sha256(scan.read_bytes()).hexdigest()}.pdf"


def test_the_scanned_letter_cannot_be_changed_or_removed_by_a_steward(office: Office,
                                                                       tmp_path: Path) -> None:
    letter = _letter(office, tmp_path)
    zhou = office["zhou-lx"]
    (zhou.root / letter).write_bytes(b"%PDF-1.4 a letter that says something else")
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", f"it changes the attachment {letter}")
    (zhou.root / letter).unlink()
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", f"it removes the attachment {letter}, which only a "
                                          "supervisor may do")
    wrong = "attachments/" + "0" * 64 + ".jpg"
    (zhou.root / wrong).write_bytes(b"a photo")
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", f"it adds {wrong}, whose content does not match its name")
    # A supervisor may take one out (a photo that should never have been taken).
    liu = office["liu-sj"]
    (liu.root / letter).unlink()
    commit(liu, "remove a photo\n\n" + trailers(Action="household-edit", Household="8-1-401",
                                                Steward="liu-sj", Fields="notes"), "liu-sj")
    accepted_everywhere(office, "liu-sj", victim="zhou-lx")


def test_no_symbolic_link_and_no_gitattributes_from_a_steward(office: Office) -> None:
    zhou = office["zhou-lx"]
    (zhou.root / "attachments").mkdir(exist_ok=True)
    os.symlink("/etc/passwd", zhou.root / "attachments/x.jpg")
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", "it writes attachments/x.jpg as a symbolic link")
    (zhou.root / "attachments").mkdir(exist_ok=True)
    (zhou.root / "attachments/.gitattributes").write_text("* text eol=crlf\n", encoding="utf-8")
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", "it writes attachments/.gitattributes, which is not an "
                                          "attachment")
    (zhou.root / ".gitattributes").write_text("attachments/** text eol=crlf\n", encoding="utf-8")
    commit(zhou, EDIT, "zhou-lx")
    refused_everywhere(office, "zhou-lx", "it changes .gitattributes, which only a supervisor "
                                          "may change")
    # The one .gitattributes a steward's commit may hold: git-lfs's rule, as keyledger wrote it
    # with a steward's first photo before that was a supervisor's (old histories verify).
    from keyledger.attachments import LFS_RULE

    (zhou.root / ".gitattributes").write_text(LFS_RULE + "\n", encoding="utf-8")
    (zhou.root / "households/8-1-401.yaml").write_text(
        (zhou.root / "households/8-1-401.yaml").read_text(encoding="utf-8").replace(
            "notes: ''", "notes: 照片"), encoding="utf-8")
    commit(zhou, EDIT, "zhou-lx")
    accepted_everywhere(office, "zhou-lx")
    # Not even a supervisor commits a symbolic link.
    liu = office["liu-sj"]
    (liu.root / "templates").mkdir(exist_ok=True)
    os.symlink("../keys", liu.root / "templates/keys")
    commit(liu, "templates\n\n" + trailers(Action="household-edit", Household="8-1-401",
                                           Steward="liu-sj"), "liu-sj")
    refused_everywhere(office, "liu-sj", "it writes templates/keys as a symbolic link",
                       victim="zhou-lx")
