"""The raw landing contract: which tables the warehouse accepts and how each column is typed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
CONTRACT_PATH = PACKAGE_DIR / "raw_contract.yml"


def project_dir() -> Path:
    """The dbt project root (the folder holding dbt_project.yml)."""
    return PACKAGE_DIR.parent


# DuckDB column type of each contract type.
SQL_TYPES = {
    "varchar": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    name: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]


@cache
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, Table]:
    spec = yaml.safe_load(path.read_text())
    tables: dict[str, Table] = {}
    for name, body in spec["tables"].items():
        columns = tuple(
            Column(
                name=col_name,
                type=col["type"],
                nullable=bool(col.get("nullable", True)),
                description=col.get("description", ""),
            )
            for col_name, col in body["columns"].items()
        )
        unknown = [c.type for c in columns if c.type not in SQL_TYPES]
        if unknown:
            raise ValueError(f"{path}: table {name} uses unknown column types {unknown}")
        tables[name] = Table(
            name=name,
            primary_key=tuple(body["primary_key"]),
            columns=columns,
            description=body.get("description", ""),
        )
    return tables


@cache
def currency_exponents() -> dict[str, int]:
    """ISO 4217 codes and their minor-unit exponents, from the dbt seed the models use too."""
    seed = project_dir() / "seeds" / "currency_exponents.csv"
    with seed.open(newline="") as handle:
        return {row["currency"]: int(row["exponent"]) for row in csv.DictReader(handle)}
