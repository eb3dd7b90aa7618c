"""Ids that outlive a re-clustering: each cluster keeps the id most of its members had, new ones are minted.

Shared by a subdistrict's person ids (person_ids.py) and the city's (resolution/city/ids.py)."""

from collections import Counter
from collections.abc import Callable, Mapping


def keep_ids(
    sizes: Mapping[int, int], claims: Mapping[int, Counter], mint: Callable[[], str]
) -> tuple[dict[str, int], list[str], list[tuple[str, str, str, int]]]:
    """Ids for ``sizes`` (cluster → members) given ``claims`` (cluster → earlier id → members that had it):
    (id → cluster, ids minted, changes as (``merge``/``split``, id, the earlier id, members))."""
    taken: dict[str, int] = {}
    minted: list[str] = []
    changes: list[tuple[str, str, str, int]] = []
    # Big clusters choose first, so a split leaves the old id with the larger part.
    for cluster in sorted(sizes, key=lambda c: (-sum(claims.get(c, Counter()).values()), c)):
        claimed = claims.get(cluster, Counter())
        ranked = [earlier for earlier, _ in claimed.most_common() if earlier not in taken]
        if ranked:
            kept = ranked[0]
            changes += [("merge", kept, other, claimed[other]) for other in ranked[1:]]
        else:
            kept = mint()
            minted.append(kept)
            if claimed:
                changes.append(("split", kept, claimed.most_common(1)[0][0], sizes[cluster]))
        taken[kept] = cluster
    return taken, minted, changes
