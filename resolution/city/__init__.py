"""City identity: the people of every subdistrict linked across subdistricts, with city person ids.

Each subdistrict resolves its own people (resolution/identity). ``records`` exports one row per subdistrict
person with what linking compares to a private Parquet partition; ``model`` is the subdistrict's Splink
model, kept to pairs across subdistricts, without the house (no two subdistricts share one) and with u learnt from one
subdistrict's persons; ``engines`` scores those pairs on DuckDB (one machine) or Spark
(the city); ``ids`` mints city person ids stable across runs; ``link`` runs the whole.
"""
