"""deploy/k8s/ read as Kubernetes and Dagster read it: the run pods and the code server get the same
environment, Secrets and volume; the Secrets hold every key the code asks for; a subdistrict's size class
becomes its run pod's resources through the run launcher; a configured database out of reach fails loudly in
the deployment's environment while the laptop's absent default server is still skipped in one line."""

import json
from pathlib import Path

import pytest
import yaml
from dagster._core.storage.dagster_run import DagsterRun
from dagster_k8s import K8sRunLauncher
from dagster_k8s.container_context import K8sContainerContext

from connectors.spec import load_registry
from pipelines.run_tags import K8S_CONFIG_TAG, POD_SIZES_ENV, SIZE_TAG, PodSizesError, subdistrict_tags
from warehouse.database import connect
from warehouse.privacy import KEY_ENV
from warehouse.pull import pull_database

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def _documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]


@pytest.fixture(scope="module")
def launcher_config() -> dict:
    return yaml.safe_load((K8S / "dagster.yaml").read_text(encoding="utf-8"))["run_launcher"]["config"]


@pytest.fixture(scope="module")
def code_server() -> dict:
    (deployment,) = [d for d in _documents("code-server.yaml") if d["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {"container": container, "pod": deployment["spec"]["template"]["spec"]}


@pytest.fixture(scope="module")
def secrets() -> dict[str, set[str]]:
    return {d["metadata"]["name"]: set(d["stringData"]) for d in _documents("secrets.yaml") if d["kind"] == "Secret"}


def deployment_env(launcher_config: dict) -> dict[str, str]:
    """The plain environment every run pod gets from the run launcher."""
    return dict(item.split("=", 1) for item in launcher_config["env_vars"])


def test_the_code_server_is_configured_like_the_run_pods(launcher_config, code_server):
    container = code_server["container"]
    assert {e["name"]: e["value"] for e in container["env"]} == deployment_env(launcher_config)
    assert [s["secretRef"]["name"] for s in container["envFrom"]] == launcher_config["env_secrets"]
    (mount,) = container["volumeMounts"]
    (launcher_mount,) = launcher_config["volume_mounts"]
    assert mount["mountPath"] == launcher_mount["mount_path"] == "/city"
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in code_server["pod"]["volumes"]}
    assert claims[mount["name"]] == launcher_config["volumes"][0]["persistentVolumeClaim"]["claimName"]
    assert container["command"][-1] == "deploy/k8s/definitions.py" and (K8S / "definitions.py").exists()


def test_every_secret_the_pods_mount_holds_the_keys_the_code_asks_for(launcher_config, secrets):
    assert set(launcher_config["env_secrets"]) == set(secrets)
    url_envs = {spec.sql.url_env for spec in load_registry().values() if spec.is_database}
    assert url_envs and url_envs <= secrets["housekey-source-databases"]
    assert secrets["housekey-token-key"] == {f"{KEY_ENV}_1"}  # a versioned key, as warehouse/privacy.py reads it
    storage = yaml.safe_load((K8S / "dagster.yaml").read_text(encoding="utf-8"))["storage"]["postgres"]["postgres_db"]
    assert {v["env"] for v in storage.values() if isinstance(v, dict)} == secrets["housekey-dagster-postgres"]
    env = deployment_env(launcher_config)
    assert env["HOUSEKEY_DATABASES"] == "required" and env["HOUSEKEY_ENV"] == "production"


@pytest.fixture
def pod_sizes(tmp_path, monkeypatch) -> dict:
    sizes = yaml.safe_load((K8S / "pod-sizes.yaml").read_text(encoding="utf-8"))
    sizes["subdistricts"] = {"310101023": "small", "310101002": "large"}
    path = tmp_path / "pod-sizes.yaml"
    path.write_text(yaml.safe_dump(sizes), encoding="utf-8")
    monkeypatch.setenv(POD_SIZES_ENV, str(path))
    return sizes


def _launcher(launcher_config: dict, tmp_path: Path) -> K8sRunLauncher:
    """The run launcher of dagster.yaml, pointed at a kubeconfig that names no reachable cluster."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    config = {**launcher_config, "job_image": "registry.local/housekey:release", "load_incluster_config": False}
    return K8sRunLauncher(**config, kubeconfig_file=str(kubeconfig), dagster_home="/opt/dagster")


def _pod_of(launcher: K8sRunLauncher, tags: dict[str, str]):
    run = DagsterRun(job_name="subdistrict", run_id="00000000-0000-0000-0000-000000000001", tags=tags)
    return K8sContainerContext.create_for_run(run, launcher, include_run_tags=True)


def test_a_large_town_gets_a_larger_run_pod_through_its_tags(launcher_config, pod_sizes, tmp_path):
    launcher = _launcher(launcher_config, tmp_path)
    large, small = subdistrict_tags("310101002"), subdistrict_tags("310101023")
    assert (large[SIZE_TAG], small[SIZE_TAG], subdistrict_tags("310101013")[SIZE_TAG]) == ("large", "small", "medium")
    for tags, size in ((large, "large"), (small, "small")):
        pod = _pod_of(launcher, tags)
        assert pod.run_k8s_config.container_config["resources"] == pod_sizes["classes"][size]
        container = pod.run_k8s_config.container_config
        assert [e["secret_ref"]["name"] for e in container["env_from"]] == launcher_config["env_secrets"]
        assert {e["name"]: e["value"] for e in container["env"]} == deployment_env(launcher_config)
    untagged = _pod_of(launcher, {"dagster/partition": "310101002"})  # a run launched by hand in the UI
    assert untagged.run_k8s_config.container_config["resources"] == launcher_config["resources"]
    assert launcher_config["resources"] == pod_sizes["classes"][pod_sizes["default"]]
    large_memory = pod_sizes["classes"]["large"]["limits"]["memory"]
    assert json.loads(large[K8S_CONFIG_TAG])["container_config"]["resources"]["limits"]["memory"] == large_memory


def test_a_size_the_file_does_not_define_is_refused(pod_sizes, tmp_path, monkeypatch):
    broken = {**pod_sizes, "subdistricts": {"310101002": "huge"}}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    monkeypatch.setenv(POD_SIZES_ENV, str(tmp_path / "broken.yaml"))
    with pytest.raises(PodSizesError, match="310101002 has size 'huge'"):
        subdistrict_tags("310101013")


@pytest.fixture
def urban_cases(tmp_path, monkeypatch):
    """The sample's PostgreSQL source and an empty warehouse, with no deployment setting in the environment."""
    for name in ("HOUSEKEY_PG_URL", "HOUSEKEY_DATABASES", "HOUSEKEY_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "housekey.duckdb"))
    (spec,) = [s for s in load_registry().values() if s.is_database and s.sql.url_env == "HOUSEKEY_PG_URL"]
    return spec


def test_a_configured_database_out_of_reach_fails_in_the_deployment(urban_cases, launcher_config, monkeypatch):
    for name, value in deployment_env(launcher_config).items():
        if name in ("HOUSEKEY_DATABASES", "HOUSEKEY_ENV"):
            monkeypatch.setenv(name, value)
    with connect() as con:
        missing = pull_database(con, urban_cases)  # the Secret lacks the URL: no quiet fallback to 127.0.0.1
        monkeypatch.setenv("HOUSEKEY_PG_URL", "postgresql://postgres:pw@127.0.0.1:1/test")  # the Secret's server, down
        down = pull_database(con, urban_cases)
    assert missing.note.startswith("failed: ") and "no postgres URL configured" in missing.note
    assert down.note.startswith("failed: ") and "cannot reach postgres at 127.0.0.1:1/test" in down.note
    assert "pw" not in down.note


def test_the_laptop_without_settings_still_skips_its_absent_default_server(urban_cases, monkeypatch):
    from connectors.readers import sql

    monkeypatch.setitem(sql.DEFAULT_URLS, "postgres", "postgresql://postgres@127.0.0.1:1/test")
    with connect() as con:
        skipped = pull_database(con, urban_cases)
    assert skipped.note.startswith("skipped: ") and len(skipped.note.splitlines()) == 1
