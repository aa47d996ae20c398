"""Every way out to a person or a file: the registry of renderers by format (output.py), tables for a
terminal, report text, workbooks, atomic files. It may import the domain only: it renders values,
never asks the ledger for them."""
