"""The import pipeline: every file a person, a folder or the demo imports goes through its steps.

    read ──► write ──► refresh ──► detect
    (no       (one write   (own           (exceptions,
    lock)     transaction) transaction)   alerts)

`steps` holds the four steps, `imports` runs them for one file, a folder or a person, `batch`
defers refresh and detection to a batch's end (explicitly: the caller hands the batch to each
import), `impact` runs read and write and detection in a rolled-back transaction (what a file
would open), `reports` holds what an import takes and gives.
"""

from pipeline.batch import ImportBatch, import_batch
from pipeline.imports import (
    WAITING,
    expand_paths,
    import_as,
    import_file,
    import_paths,
    prepare_preview,
    preview_file,
    undo_import_as,
)
from pipeline.reports import ImportOptions, ImportReport
from pipeline.steps import Applied, apply_file

__all__ = [
    "WAITING",
    "Applied",
    "ImportBatch",
    "ImportOptions",
    "ImportReport",
    "apply_file",
    "expand_paths",
    "import_as",
    "import_batch",
    "import_file",
    "import_paths",
    "prepare_preview",
    "preview_file",
    "undo_import_as",
]
