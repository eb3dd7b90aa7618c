"""A Spark session in local mode for the city identity run: nothing fetched, nothing shown, small shuffles.

A cluster gives its own session (``spark-submit``); here ``local[N]`` runs Spark inside this process's JVM
(Java 17), with no web UI, no jars or packages to resolve, and dates read as UTC.
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
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
