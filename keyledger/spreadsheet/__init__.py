"""Registers (台账) in and figures out.

`household import` reads a register (read.py, bounded by bounds.py), finds its layout
(layout.py, columns.py), reads each row (row.py, cells.py), sets it beside the ledger without
losing a word (merge.py, plan.py) and commits (importer.py), the rows it cannot take going to
FILE-未导入.xlsx (rejects.py). `export` writes the street office's spreadsheets (export.py).
Nothing is imported here: each command pays for the modules it uses.
"""
