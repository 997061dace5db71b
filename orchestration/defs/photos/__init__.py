"""The photo mirror: copies of listing photos, for providers that forbid hotlinking (and any the
operator adds), between the dbt model that lists them and the mart that carries the copies."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.defs.photos.assets import build_photo_mirror, mirror_selection
from orchestration.registry import Provider


def definitions(providers: Sequence[Provider]) -> dg.Definitions:
    # an unknown name in LISTINGS_MIRROR_PHOTOS fails the definitions, naming the choices
    mirror_selection(providers)
    return dg.Definitions(assets=[build_photo_mirror(providers)])
