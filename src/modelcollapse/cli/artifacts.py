"""``modelcollapse artifacts``: what a run's metrics kept, as files (image grids, samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelcollapse.cli.console import errors, handle_errors
from modelcollapse.core.errors import UsageError


@handle_errors
def artifacts(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to write the files into.")],
    name: Annotated[str | None, typer.Option(
        help="Only artifacts of this name, e.g. samples or sample_0.")] = None,
    generation: Annotated[list[int] | None, typer.Option(
        help="Only these generations (repeatable).")] = None,
) -> None:
    """Write what RUN's metrics kept for replicate 0 into OUT: PNG grids, texts, JSON, arrays."""
    from modelcollapse.core.artifacts_export import export_artifacts
    from modelcollapse.core.registry import did_you_mean
    from modelcollapse.experiment.runner import load_artifacts

    kept = load_artifacts(run)
    if kept.empty:
        raise UsageError(f"{run}: its metrics kept no artifacts (only some do: text samples, "
                         "image grids, code samples)")
    if name is not None:
        names = sorted(kept["name"].unique())
        if name not in names:
            raise UsageError(f"--name {name!r} is not among this run's artifacts"
                             f"{did_you_mean(name, names)}; it has: {', '.join(names)}")
        kept = kept[kept["name"] == name]
    if generation:
        kept = kept[kept["generation"].isin(generation)]
        if kept.empty:
            raise UsageError(f"--generation {', '.join(map(str, generation))}: nothing kept "
                             "there; see modelcollapse status for the generations run")
    try:
        files = export_artifacts(kept, out)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write there ({error.strerror})") from None
    errors.print(f"wrote {len(files)} files into {out}", highlight=False, soft_wrap=True)
