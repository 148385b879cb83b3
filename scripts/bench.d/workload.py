"""The analyst workload (workload.json) and the comparison of its results across salesh, sqlite3 and DuckDB.

Shared by scripts/bench; Tests/EndToEndTests/WorkloadTests.swift reads the same workload.json and compares
by the same rules (see "about" in the file).
"""
import csv
import io
import json
import os
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD = os.path.join(HERE, "workload.json")

REAL_TOLERANCE = 0.0051


def joined(value, sep):
    return value if isinstance(value, str) else sep.join(value)


class Workload:
    def __init__(self, path=WORKLOAD):
        with open(path, encoding="utf-8") as f:
            self.data = json.load(f)
        self.today = self.data["today"]
        self.queries = self.data["queries"]

    def exports(self, csv_dir):
        return [e["salesh"].replace("{csv}", csv_dir) for e in self.data["exports"]]

    def csv_files(self, csv_dir, aux=False):
        return [os.path.join(csv_dir, e["file"]) for e in self.data["exports"] if aux or not e.get("aux")]

    @property
    def import_user(self):
        return self.data.get("import_user")

    def salesh_import(self, csv_dir):
        return [s.replace("{csv}", csv_dir) for s in self.data["salesh_import"]]

    def load_script(self, dialect, csv_dir):
        return joined(self.data["sql_load"][dialect], "\n").replace("{csv}", csv_dir) + "\n"

    @staticmethod
    def sql(query, dialect):
        return joined(query.get(dialect) or query["sql"], "\n")


# MARK: comparing results

def parse_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return [r for r in rows if r != [] and r != [""]]


def _decimal(text):
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}")


def normalize_cell(text, kind, side):
    """A cell as a comparable value. side is "salesh" or "sql" (money and percent come in different units)."""
    text = text.strip()
    if text == "" or text.upper() == "NULL":
        return None
    if kind == "text":
        return text
    if kind == "int":
        return int(_decimal(text))
    if kind == "money":            # salesh: yuan with two decimals; SQL: fen
        d = _decimal(text)
        return int((d * 100 if side == "salesh" else d).to_integral_value(ROUND_HALF_UP))
    if kind == "percent":          # salesh: 38.24%; SQL: basis points
        if side == "salesh":
            return int((_decimal(text.rstrip("%")) * 100).to_integral_value(ROUND_HALF_UP))
        return int(_decimal(text).to_integral_value(ROUND_HALF_UP))
    if kind == "real":
        return float(_decimal(text))
    raise ValueError(f"unknown column type {kind}")


def normalize(rows, kinds, side):
    """Rows without the header, each cell normalized by its column's type."""
    out = []
    for r in rows:
        if len(r) != len(kinds):
            raise ValueError(f"{len(r)} columns where {len(kinds)} were expected: {r}")
        out.append([normalize_cell(c, k, side) for c, k in zip(r, kinds)])
    return out


def _sort_key(row, kinds):
    # Rows are ordered by their exact columns (reals are compared within a tolerance).
    return [(v is not None, str(v)) for v, k in zip(row, kinds) if k != "real"]


def rows_equal(a, b, kinds, ordered):
    """(equal, explanation) for two normalized row lists."""
    if len(a) != len(b):
        return False, f"{len(a)} rows against {len(b)}"
    if not ordered:
        a = sorted(a, key=lambda r: _sort_key(r, kinds))
        b = sorted(b, key=lambda r: _sort_key(r, kinds))
    for n, (x, y) in enumerate(zip(a, b)):
        for v, w, k in zip(x, y, kinds):
            if k == "real" and v is not None and w is not None:
                if abs(v - w) > REAL_TOLERANCE:
                    return False, f"row {n + 1}: {x} against {y}"
            elif v != w:
                return False, f"row {n + 1}: {x} against {y}"
    return True, f"{len(a)} rows"
