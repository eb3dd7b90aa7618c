"""A Spark session in local mode for the city identity run: nothing fetched, nothing shown, small shuffles.

A cluster gives its own session (``spark-submit``); here ``local[N]`` runs Spark in one JVM (Java 17) beside
this process, with no web UI, no jars or packages to resolve, and dates read as UTC. Splink sends many small
queries with large CASE expressions: on a few thousand rows compiling each to Java costs more than running
it, so whole-stage code generation and adaptive re-planning are off and the JIT stops at its quick tier (a
cold district run took 74 s instead of 122-144 s on a busy two-core machine; without adaptive re-planning a
450-person district links in 10.6 s instead of 11.3 s).
"""

from __future__ import annotations

import os
import sys


def local_spark(cores: int = 2, shuffle_partitions: int = 2):
    """The active Spark session, or a new local one."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter, not the system's
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("housekey-city-identity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # no progress bars in logs
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "false")  # re-planning Splink's small queries costs more than it saves
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
