"""labkit.doctor's kernel features: VXLAN, ESP, IPVS, macvlan, ipvlan, found without side effects.

The probes are checked against the kernel's own build configuration where it is readable (here
/proc/config.gz), and against what was measured on the machines labkit is developed on (Debian 12's
kernel as these machines build it: VXLAN and macvlan work; no ESP, no IPVS, no ipvlan).
"""
from __future__ import annotations

import gzip
import os
import platform
import subprocess

import pytest

from labkit import doctor

NAMES = ["vxlan", "esp", "ipvs", "macvlan", "ipvlan"]


def _netns() -> list[str]:
    return sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []


def _links() -> str:
    return subprocess.run(["ip", "-o", "link"], check=False, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def kernel():
    return doctor.kernel_features()


def test_every_feature_is_reported(kernel):
    assert list(kernel.features) == NAMES
    assert kernel.release == platform.release()
    for f in kernel.features.values():
        assert f.available in (True, False, None)
        assert f.evidence


def test_probes_agree_with_the_kernels_build(kernel):
    config, _ = doctor.kernel_config()
    if config is None:
        pytest.skip("the kernel's build configuration is not readable here")
    probes = doctor.run_probes()
    if not probes:
        pytest.skip("no probe can run here")
    for need in doctor.NEEDS:
        built = all(config.get(o) in ("y", "m") for o in need.options)
        if need.name in probes and built and all(config.get(o) == "y" for o in need.options):
            assert probes[need.name][0], (need.name, probes[need.name])
        if need.name in probes and not built:
            assert not probes[need.name][0], (need.name, probes[need.name])
        assert kernel.has(need.name) == built, (need.name, kernel.features[need.name].evidence)


def test_this_machine_as_measured(kernel):
    # As measured here: vxlan and macvlan work; CONFIG_INET_ESP, CONFIG_IP_VS, CONFIG_IPVLAN unset.
    config, _ = doctor.kernel_config()
    if config is None or config.get("CONFIG_VXLAN") != "y" or "CONFIG_IP_VS" in config:
        pytest.skip("not the kernel of the machines this was measured on (VXLAN built in, no IP_VS)")
    assert kernel.has("vxlan") and kernel.has("macvlan")
    assert kernel.missing == ["esp", "ipvs", "ipvlan"]
    assert "CONFIG_INET_ESP" in kernel.features["esp"].evidence


def test_probes_leave_nothing_behind():
    before_ns, before_links = _netns(), _links()
    probes = doctor.run_probes()
    assert _netns() == before_ns
    assert _links() == before_links
    assert "lkprobe" not in _links()
    if os.geteuid() == 0:
        assert {"vxlan", "esp", "macvlan", "ipvlan", "ipvs"} <= set(probes)


def test_probes_run_without_root_through_a_user_namespace(monkeypatch):
    userns = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "true"], check=False,
                            capture_output=True)
    if userns.returncode != 0:
        pytest.skip("unprivileged user namespaces are not available here")
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 1000)
    probes = doctor.run_probes()
    as_root = doctor.kernel_features()
    for name in ("vxlan", "macvlan", "esp", "ipvlan"):
        assert probes[name][0] == as_root.has(name), name


def test_ipvs_is_asked_of_netlink_read_only():
    assert doctor._genl_family("nlctrl") is True        # the generic netlink controller itself
    assert doctor._genl_family("LKNOSUCHFAM") is False


def test_kernel_config_reads_gzip_and_plain(tmp_path):
    text = "# comment\nCONFIG_VXLAN=y\nCONFIG_IP_VS=m\n# CONFIG_IPVLAN is not set\nCONFIG_LOCALVERSION=\"-x\"\n"
    plain = tmp_path / "config-x"
    plain.write_text(text)
    packed = tmp_path / "config.gz"
    with gzip.open(packed, "wt") as f:
        f.write(text)
    for path in (plain, packed):
        config, source = doctor.kernel_config("x", paths=(str(tmp_path / "missing"), str(path)))
        assert source == str(path)
        assert config == {"CONFIG_VXLAN": "y", "CONFIG_IP_VS": "m", "CONFIG_LOCALVERSION": "-x"}
    assert doctor.kernel_config("x", paths=(str(tmp_path / "missing"),)) == (None, None)


def need(name: str) -> doctor.Need:
    return next(n for n in doctor.NEEDS if n.name == name)


@pytest.mark.parametrize("probed, config, expect", [
    ((True, "probe ok"), None, (True, "probe ok")),
    ((False, "a probe failed: x"), None, (False, "a probe failed: x")),
    ((False, "a probe failed: x"), {}, (False, "CONFIG_IP_VS not set in CFG; a probe failed: x")),
    ((False, "the kernel has no IPVS netlink family"), {"CONFIG_IP_VS": "m"},
     (True, "CONFIG_IP_VS=m in CFG, though the kernel has no IPVS netlink family")),
    (None, {"CONFIG_IP_VS": "y"}, (True, "CONFIG_IP_VS=y in CFG")),
    (None, {}, (False, "CONFIG_IP_VS not set in CFG")),
])
def test_a_probe_outranks_the_build_configuration(probed, config, expect):
    f = doctor._judge(need("ipvs"), probed, config, "CFG", set())
    assert (f.available, f.evidence) == expect


def test_loaded_modules_are_the_last_resort():
    assert doctor._judge(need("vxlan"), None, None, None, {"vxlan"}).available is True
    unknown = doctor._judge(need("vxlan"), None, None, None, set())
    assert unknown.available is None and unknown.line().startswith("unknown")


def test_esp_needs_both_esp_and_gcm():
    f = doctor._judge(need("esp"), None, {"CONFIG_INET_ESP": "y"}, "CFG", set())
    assert (f.available, f.evidence) == (False, "CONFIG_CRYPTO_GCM not set in CFG")


def test_the_report_shows_the_kernel_and_what_is_simulated_instead(monkeypatch):
    monkeypatch.setenv("LABKIT_ENGINE", "sim")
    report = doctor.diagnose()
    text = report.text()
    assert report.kernel is not None and list(report.kernel.features) == NAMES
    assert f"\nkernel       {platform.release()} (what real engines on this machine can do)\n" in text
    for name in NAMES:
        assert f"\n  {name.ljust(9)}  {report.kernel.features[name].line()}" in text
    for name in report.kernel.missing:
        f = report.kernel.features[name]
        assert f"\n  without {name}: {f.need.without}; {f.instead}" in text
    # Limits of the kernel are not problems: the lab shows those things on the simulator.
    assert not report.problems
    assert "kernel" not in report.text(short=True)


def test_diagnose_without_the_kernel(monkeypatch):
    monkeypatch.setenv("LABKIT_ENGINE", "sim")
    report = doctor.diagnose(kernel=False)
    assert report.kernel is None and "kernel" not in report.text()
    assert report.root == (os.geteuid() == 0) and report.engine_version == "20.10.24+dfsg1"
