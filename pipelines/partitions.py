"""Every asset is partitioned by subdistrict (warehouse/subdistricts.py, docs/decisions/0004)."""

from collections.abc import Mapping

from dagster import AssetsDefinition, StaticPartitionsDefinition

from warehouse.subdistricts import Subdistrict, load_subdistricts


def subdistrict_partitions(subdistricts: Mapping[str, Subdistrict] | None = None) -> StaticPartitionsDefinition:
    """One partition per configured subdistrict code (default: ``load_subdistricts()``)."""
    return StaticPartitionsDefinition(list(subdistricts if subdistricts is not None else load_subdistricts()))


def partitioned(assets_def: AssetsDefinition, partitions: StaticPartitionsDefinition) -> AssetsDefinition:
    """The asset with every spec partitioned by subdistrict; its body is unchanged (the resource picks the files)."""
    return assets_def.map_asset_specs(lambda spec: spec.replace_attributes(partitions_def=partitions))
