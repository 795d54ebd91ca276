"""A council's data leaves and goes: the export of everything it holds, and the purge.

At the end of a contract the operator runs `civicpanel council_remove <slug> --out DIR`
(docs/operations.md "Removing a council"): every app writes the council's data into a folder
in the same formats as its staff exports (plus the council's settings as JSON), a manifest
lists each file with its SHA-256 and the council's row counts, the folder is zipped, and only
then are the council's rows deleted, in one transaction. Every other council stays as it was.

Apps above tenancy take part through a registry, in their AppConfig.ready():

    from civicpanel.tenancy.removal import register_council_exporter
    register_council_exporter("surveys", export_surveys, order=50)

    def export_surveys(council, folder: Path) -> list[Path]:   # the files written
        ...

Exporters run in `order`; the audit log's runs last, so that the export's own audit rows are
in it. The purge deletes the council row and lets the database cascade; rows that protect
others (the audit log, consent versions that members point at) are deleted first, through the
append-only tables' one controlled path (`common.appendonly.purge_permitted`). The removal
itself is recorded in the erasure ledger (so a restore from an older backup removes the
council again) and in the install's audit log (council left empty: the council is gone).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from civicpanel.tenancy.models import Council, District

Exporter = Callable[[Council, Path], list[Path]]

_exporters: list[tuple[int, str, Exporter]] = []


class CouncilRemovalError(Exception):
    pass


def register_council_exporter(name: str, func: Exporter, *, order: int = 50) -> Exporter:
    """Add an exporter of one app's share of a council's data (idempotent per name)."""
    _exporters[:] = [entry for entry in _exporters if entry[1] != name]
    _exporters.append((order, name, func))
    _exporters.sort(key=lambda entry: (entry[0], entry[1]))
    return func


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def model_rows(queryset: models.QuerySet, *, exclude: tuple[str, ...] = ()) -> list[dict]:
    """Plain JSON rows of a queryset: every concrete field (foreign keys as ids)."""
    fields = [f for f in queryset.model._meta.concrete_fields if f.name not in exclude]
    return [{f.attname: _jsonable(getattr(obj, f.attname)) for f in fields} for obj in queryset.order_by("pk")]


def write_json(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=_jsonable), encoding="utf-8")
    return path


def export_council_settings(council: Council, folder: Path) -> list[Path]:
    """The council's own settings and its districts."""
    data = {"council": model_rows(Council.objects.filter(pk=council.pk))[0],
            "districts": model_rows(District.objects.filter(council=council))}
    files = [write_json(folder, "settings.json", data)]
    if council.logo:
        target = folder / ("logo" + Path(council.logo.name).suffix)
        with council.logo.open("rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)
        files.append(target)
    return files


register_council_exporter("tenancy", export_council_settings, order=0)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def council_owned_models() -> list[type[models.Model]]:
    """Models with a direct `council` foreign key (what the row counts of the manifest cover)."""
    found = []
    for model in apps.get_models():
        field_ = next((f for f in model._meta.concrete_fields if f.name == "council"), None)
        if field_ is not None and getattr(field_, "related_model", None) is Council:
            found.append(model)
    return found


def council_row_counts(council: Council) -> dict[str, int]:
    return {model._meta.label: model._base_manager.filter(council=council).count() for model in council_owned_models()}


@dataclass
class ExportResult:
    folder: Path
    archive: Path | None
    files: list[Path] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def council_export(*, council: Council, out_dir: str | Path, archive: bool = True) -> ExportResult:
    """Write every registered exporter's files into `<out_dir>/<slug>-<UTC time>/` with a
    manifest, and zip the folder (the zip beside it). Raises if the folder exists."""
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(out_dir) / f"{council.slug}-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    folder.chmod(0o700)  # it holds residents' personal data in clear
    files: list[Path] = []
    for _order, name, exporter in list(_exporters):
        part = folder / name
        part.mkdir()
        files.extend(exporter(council, part) or [])
    manifest = {
        "council": {"id": council.pk, "slug": council.slug, "name": council.name},
        "exported_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "row_counts": council_row_counts(council),
        "files": {str(path.relative_to(folder)): _sha256(path) for path in sorted(files)},
    }
    write_json(folder, "manifest.json", manifest)
    zipped = None
    if archive:
        zipped = Path(shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name))
        zipped.chmod(0o600)
    return ExportResult(folder=folder, archive=zipped, files=files, manifest=manifest)


def _belongs_elsewhere(obj: models.Model, council: Council) -> bool:
    council_id = getattr(obj, "council_id", None)
    return council_id is not None and council_id != council.pk


def _delete(queryset: models.QuerySet, council: Council, depth: int = 0) -> dict[str, int]:
    """Delete the queryset; rows that PROTECT/RESTRICT it go first (they must be the council's)."""
    if depth > 25:
        raise CouncilRemovalError("the rows of the council refer to each other in a loop that cannot be deleted")
    deleted: dict[str, int] = defaultdict(int)
    for _attempt in range(50):
        try:
            with transaction.atomic():
                _total, per_model = queryset.delete()
        except (ProtectedError, RestrictedError) as error:
            blockers = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
            by_model: dict[type, list] = defaultdict(list)
            for obj in blockers:
                if _belongs_elsewhere(obj, council):
                    raise CouncilRemovalError(
                        f"{obj._meta.label} #{obj.pk} of another council refers to this council's data") from error
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                for label, count in _delete(model._base_manager.filter(pk__in=pks), council, depth + 1).items():
                    deleted[label] += count
            continue
        for label, count in per_model.items():
            deleted[label] += count
        return dict(deleted)
    raise CouncilRemovalError("the council's rows could not be deleted (too many protecting rows)")


_purge_hooks: list[Callable[[Council], dict[str, int]]] = []


def register_council_purge_hook(func: Callable[[Council], dict[str, int]]) -> Callable:
    """A function run inside the purge before the council row goes, for what the database
    does not cascade (e.g. staff accounts that served this council only). Idempotent."""
    if func not in _purge_hooks:
        _purge_hooks.append(func)
    return func


def council_purge(*, council: Council, ledger: bool = True) -> dict[str, int]:
    """Delete every row of the council, in one transaction; returns rows deleted per model."""
    from civicpanel.audit.services import audit_record
    from civicpanel.common.appendonly import purge_permitted
    from civicpanel.common.ledger import COUNCIL_REMOVED, ledger_record

    council_id, slug = council.pk, council.slug
    logo = council.logo.name if council.logo else ""
    deleted: dict[str, int] = defaultdict(int)
    with transaction.atomic(), purge_permitted():
        for hook in _purge_hooks:
            for label, count in (hook(council) or {}).items():
                deleted[label] += count
        for label, count in _delete(Council.objects.filter(pk=council_id), council).items():
            deleted[label] += count
        audit_record(council=None, actor=None, action="council.removed",
                     detail={"council_id": council_id, "slug": slug, "deleted": dict(sorted(deleted.items()))})
        if ledger:
            ledger_record(COUNCIL_REMOVED, council_id=council_id)
        if logo:
            storage = Council._meta.get_field("logo").storage
            transaction.on_commit(lambda: storage.delete(logo))
    return dict(deleted)


def _path_to_council(model: type[models.Model], depth: int = 4) -> str | None:
    """The shortest lookup from the model to its council through foreign keys ("council",
    "member__council", "response__survey__council"), or None for rows of no council."""
    queue: list[tuple[type[models.Model], str, int]] = [(model, "", 0)]
    seen = {model}
    while queue:
        current, prefix, hops = queue.pop(0)
        for field_ in current._meta.concrete_fields:
            target = getattr(field_, "related_model", None)
            if not field_.is_relation or target is None:
                continue
            lookup = f"{prefix}{field_.name}"
            if target is Council:
                return lookup
            if hops + 1 < depth and target not in seen and target._meta.app_label != "accounts":
                seen.add(target)
                queue.append((target, lookup + "__", hops + 1))
    return None


def council_tables(council: Council) -> dict[str, models.QuerySet]:
    """Every model's rows that belong to the council, directly or through other rows."""
    tables = {}
    for model in apps.get_models():
        if model is Council:
            continue
        path = _path_to_council(model)
        if path is not None:
            tables[model._meta.label] = model._base_manager.filter(**{path: council}).distinct()
    return tables


def export_council_tables(council: Council, folder: Path) -> list[Path]:
    """Every row of the council in every table, one JSON file per model (personal data
    decrypted: the export is the council's own data, handed back to it)."""
    files = []
    for label, queryset in sorted(council_tables(council).items()):
        rows = model_rows(queryset)
        if rows:
            files.append(write_json(folder, f"{label}.json", rows))
    return files


# Last: the audit rows that the other exporters wrote are in it.
register_council_exporter("tables", export_council_tables, order=100)
