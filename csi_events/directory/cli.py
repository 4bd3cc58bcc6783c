"""`flask directory import FILE [--county NAME]`: load CDE's public schools file;
`flask directory import-subregions FILE`: set subregions from a CSV file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import commit
from ..errors import DomainError
from ..extensions import db
from .cde_import import CdeFileError, parse
from .services import DEFAULT_COUNTY, ImportReport, import_directory
from .subregion_import import SubregionChanges, SubregionFileError, import_subregions

cli = AppGroup("directory", help="The directory of LEAs and schools.")


def format_report(report: ImportReport) -> list[str]:
    lines = [
        f"{report.rows} rows for {report.county} County ({report.other_county_rows} rows of other counties skipped; "
        f"read as {report.encoding})."
    ]
    for name, counts in (("LEAs", report.leas), ("Schools", report.schools)):
        lines.append(
            f"{name}: {counts.created} created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged, {counts.closed} closed."
        )
    if not report.changed:
        lines.append("Nothing changed.")
    return lines


@cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--county", default=DEFAULT_COUNTY, show_default=True, help="Keep only the rows of this county.")
def import_command(file, county):
    """Create or update LEAs and schools from CDE's pubschls.txt (tab-separated).

    The whole file is checked first; a malformed file is refused with the line number and nothing is applied."""
    try:
        parsed = parse(file.read(), county)
        report = import_directory(parsed, county)
    except CdeFileError as err:
        db.session.rollback()
        raise click.ClickException("The file is refused, nothing was imported: " + err.summary()) from err
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    commit(db.session)
    for line in format_report(report):
        click.echo(line)


def format_subregion_changes(result: SubregionChanges) -> str:
    return (
        f"{result.rows} rows: {result.changed} changed ({result.leas_changed} LEAs, "
        f"{result.schools_changed} schools), {result.unchanged} unchanged."
    )


@cli.command("import-subregions")
@click.argument("file", type=click.File("rb"))
def import_subregions_command(file):
    """Set the subregions of LEAs and schools from a CSV file with a header row: code (or cd_code, cds_code)
    and subregion (1 to 8, empty for none). A wrong line refuses the whole file; nothing is applied then."""
    try:
        result = import_subregions(file.read())
    except SubregionFileError as err:
        db.session.rollback()
        raise click.ClickException("The file is refused, nothing was imported: " + err.summary()) from err
    commit(db.session)
    click.echo(format_subregion_changes(result))
