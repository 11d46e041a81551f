#!/usr/bin/python3
"""deploy/k8s agrees with the server it runs: the ConfigMap's configuration
is valid (reward-server --check_config) and its ports, the Deployment's
containerPorts, probes, Service and scrape annotation name the same ports;
the config is mounted where --config looks; the grace period covers the
preStop pause and the drain; threads match the CPU limit; selectors select.
(`make k8s-test` runs the manifests for real under podman.)"""
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import integration_test as it  # noqa: E402  (paths, junit writer)

K8S = it.RUNFILES / "deploy" / "k8s"


def load(name):
    return yaml.safe_load((K8S / name).read_text())


def port_of(address):
    return int(address.rsplit(":", 1)[1])


class ManifestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kustomization = load("kustomization.yaml")
        cls.docs = {}
        for name in cls.kustomization["resources"]:
            doc = load(name)
            cls.docs[doc["kind"]] = doc
        cls.configmap = cls.docs["ConfigMap"]
        cls.deployment = cls.docs["Deployment"]
        cls.pod = cls.deployment["spec"]["template"]
        cls.container = cls.pod["spec"]["containers"][0]
        cls.ports = {p["name"]: p["containerPort"] for p in cls.container["ports"]}
        # The effective configuration, as the server reads it.
        with tempfile.TemporaryDirectory() as d:
            key = next(iter(cls.configmap["data"]))
            path = pathlib.Path(d) / key
            path.write_text(cls.configmap["data"][key])
            out = subprocess.run([str(it.SERVER), "--config", str(path), "--check_config"], capture_output=True,
                                 text=True, timeout=it.CALL_TIMEOUT)
        cls.check = out
        cls.config = out.stdout

    def field(self, name):
        m = re.search(rf'^{name}: "?([^"\n]*)"?$', self.config, re.M)
        self.assertIsNotNone(m, f"{name} not in the effective config:\n{self.config}")
        return m.group(1)

    def test_every_kind_is_there(self):
        self.assertEqual(set(self.docs), {"ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler",
                                          "PodDisruptionBudget"})

    def test_the_config_is_valid(self):
        self.assertEqual(self.check.returncode, 0, self.check.stderr)

    def test_ports_agree(self):
        self.assertEqual(port_of(self.field("listen_address")), self.ports["grpc"])
        self.assertEqual(port_of(self.field("http_listen_address")), self.ports["http"])
        self.assertEqual(port_of(self.field("metrics_listen_address")), self.ports["metrics"])
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            self.assertEqual(self.container[probe]["grpc"]["port"], self.ports["grpc"], probe)
        annotations = self.pod["metadata"]["annotations"]
        self.assertEqual(int(annotations["prometheus.io/port"]), self.ports["metrics"])
        service = self.docs["Service"]["spec"]
        self.assertEqual(service["clusterIP"], "None")  # headless: clients balance over every pod
        for p in service["ports"]:
            self.assertEqual(p["port"], self.ports[p["targetPort"]], p)

    def test_the_config_is_mounted_where_the_server_reads_it(self):
        args = self.container["args"]
        path = pathlib.PurePosixPath(args[args.index("--config") + 1])
        volumes = {v["name"]: v for v in self.pod["spec"]["volumes"]}
        mounts = [m for m in self.container["volumeMounts"]
                  if volumes[m["name"]].get("configMap", {}).get("name") == self.configmap["metadata"]["name"]]
        self.assertEqual(len(mounts), 1)
        self.assertEqual(str(path.parent), mounts[0]["mountPath"])
        self.assertIn(path.name, self.configmap["data"])

    def test_the_grace_period_covers_the_pause_and_the_drain(self):
        grace = self.pod["spec"]["terminationGracePeriodSeconds"]
        pause = self.container["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(pause[0], "sleep")
        drain = int(self.field("drain_seconds"))
        self.assertGreaterEqual(grace, int(pause[1]) + drain + 5)

    def test_threads_match_the_cpu_limit(self):
        self.assertEqual(int(self.field("threads")), int(self.container["resources"]["limits"]["cpu"]))

    def test_selectors_select_the_pods(self):
        labels = self.pod["metadata"]["labels"]
        for kind in ("Service", "PodDisruptionBudget"):
            spec = self.docs[kind]["spec"]
            selector = spec["selector"].get("matchLabels", spec["selector"])
            self.assertTrue(selector.items() <= labels.items(), kind)
        self.assertEqual(self.deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), True)
        target = self.docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
        self.assertEqual((target["kind"], target["name"]), ("Deployment", self.deployment["metadata"]["name"]))

    def test_the_container_keeps_no_privileges(self):
        sc = self.container["securityContext"]
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertFalse(sc["allowPrivilegeEscalation"])
        self.assertTrue(self.pod["spec"]["securityContext"]["runAsNonRoot"])
        self.assertTrue(sc["readOnlyRootFilesystem"])
        self.assertIn("/tmp", [m["mountPath"] for m in self.container["volumeMounts"]])

    def test_the_image_is_the_one_the_dockerfile_builds(self):
        self.assertEqual(self.container["image"].split(":")[0], "reward-service")
        dockerfile = (it.RUNFILES / "docker" / "Dockerfile").read_text()
        self.assertIn("-t reward-service", dockerfile)


if __name__ == "__main__":
    it.main(sys.modules[__name__], sys.argv[1:])  # arguments: test classes or methods to run
