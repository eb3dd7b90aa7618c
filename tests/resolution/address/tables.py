"""How two tables of one warehouse differ, for the tests that compare an incremental result with a full one."""


def differ(con, one: str, other: str) -> int:
    """Rows of ``one`` not in ``other`` and of ``other`` not in ``one``, duplicates counted (EXCEPT ALL both ways)."""
    return con.execute(
        f"SELECT (SELECT count(*) FROM (FROM {one} EXCEPT ALL FROM {other})) "
        f"+ (SELECT count(*) FROM (FROM {other} EXCEPT ALL FROM {one}))"
    ).fetchone()[0]
