"""The tags every run of one subdistrict carries, whoever asks for it (a sensor, a schedule, a run summary).

- ``housekey/subdistrict``: the instance's run queue allows one run per value (deploy/k8s/dagster.yaml), so a
  subdistrict's runs and the summary runs that write its ``meta.runs`` never write its warehouse at once;
- with ``$HOUSEKEY_POD_SIZES`` (deploy/k8s/pod-sizes.yaml): ``housekey/size``, the subdistrict's size class,
  and ``dagster-k8s/config``, that class's pod resources, which the Kubernetes run launcher gives the run's pod
  in place of its default (a large town gets more memory).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from schemas.yaml_text import load_yaml

POD_SIZES_ENV = "HOUSEKEY_POD_SIZES"
SUBDISTRICT_TAG, SIZE_TAG, K8S_CONFIG_TAG = "housekey/subdistrict", "housekey/size", "dagster-k8s/config"


class PodSizesError(ValueError):
    """The pod sizes file is unreadable or names a class it does not define."""


def read_pod_sizes(path: Path) -> tuple[dict[str, dict], dict[str, str], str]:
    """The classes (name to Kubernetes ``resources``), each listed subdistrict's class, and the default class."""
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise PodSizesError(f"{path}: cannot read the pod sizes file: {error}") from error
    classes = document.get("classes") if isinstance(document, dict) else None
    if not isinstance(classes, dict) or not classes:
        raise PodSizesError(f"{path}: expected `classes:`, each a name with its pod resources")
    default = str(document.get("default", ""))
    assigned = {str(code): str(size) for code, size in (document.get("subdistricts") or {}).items()}
    for where, size in [("default", default), *assigned.items()]:
        if size not in classes:
            raise PodSizesError(f"{path}: {where} has size {size!r}; defined: {', '.join(classes)}")
    return classes, assigned, default


def subdistrict_tags(code: str) -> dict[str, str]:
    """The run tags of a run of subdistrict ``code`` (see the module)."""
    tags = {SUBDISTRICT_TAG: code}
    if path := os.environ.get(POD_SIZES_ENV):
        classes, assigned, default = read_pod_sizes(Path(path))
        size = assigned.get(code, default)
        tags[SIZE_TAG] = size
        tags[K8S_CONFIG_TAG] = json.dumps({"container_config": {"resources": classes[size]}})
    return tags
