"""Third-party checkpoints through the real spandrel package, with the CPU torch untouched.

``scripts/test.sh`` installs spandrel without its dependencies (``thirdparty.INSTALL_COMMAND``):
no torchvision, so the stand-in is what spandrel imports here; the checkpoint is a KAIR-style
DnCNN state dict that spandrel's own architecture writes, as a user would download it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from denoise_desktop import paths, thirdparty, weights


@pytest.fixture(scope="module")
def real_spandrel():
    try:
        return thirdparty.import_spandrel()
    except thirdparty.SpandrelMissing:
        pytest.skip("spandrel is not installed (scripts/test.sh installs it)")


def _kair_dncnn(tmp_path, real_spandrel):
    from spandrel.architectures.DnCNN import DnCNN

    torch.manual_seed(0)
    net = DnCNN(in_nc=3, out_nc=3, nc=8, nb=8, act_mode="R").eval()  # spandrel detects ≥ 8 layers
    src = tmp_path / "dncnn_color_blind.pth"
    torch.save(net.state_dict(), src)
    return net, src


def test_a_kair_checkpoint_imports_and_denoises_like_the_original(tmp_path, real_spandrel):
    net, src = _kair_dncnn(tmp_path, real_spandrel)
    dest = weights.import_model(src)
    assert dest.parent == paths.user_models_dir() and dest.suffix == ".safetensors"
    loaded, card = weights.load_weights(dest)
    x = torch.rand(1, 3, 24, 24)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), net(x).clamp(0, 1), rtol=1e-5, atol=1e-5)  # images stay in range
    assert weights.arch_of(loaded) == weights.SPANDREL_ARCH


def test_spandrel_imports_without_torchvision_and_torch_stays_the_pinned_build():
    code = ("import sys; from denoise_desktop import thirdparty; thirdparty.import_spandrel(); import torch; "
            "tv = sys.modules.get('torchvision'); "
            "print(torch.__version__, getattr(tv, '__denoise_standin__', 'real') if tv else 'none')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    if "not installed" in out.stderr:
        pytest.skip("spandrel is not installed")
    assert out.returncode == 0, out.stderr
    version, tv = out.stdout.split()
    assert version == torch.__version__  # the same torch as the suite: nothing replaced it
    # the stand-in only when no working torchvision exists; its normalize is real arithmetic
    if tv != "real":
        from denoise_desktop.thirdparty import _install_standin

        saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k.startswith("torchvision")}
        try:
            _install_standin()
            from torchvision.transforms.functional import normalize, rotate

            t = torch.ones(3, 2, 2)
            assert torch.equal(normalize(t, [0.5] * 3, [0.5] * 3), torch.ones(3, 2, 2))
            with pytest.raises(NotImplementedError):
                rotate(t, 90)
        finally:
            for k in [k for k in sys.modules if k.startswith("torchvision")]:
                del sys.modules[k]
            sys.modules.update(saved)


def test_one_install_command_everywhere():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert thirdparty.INSTALL_COMMAND in (root / "README.md").read_text(encoding="utf-8")
    assert "thirdparty.INSTALL_COMMAND" in (root / "denoise_desktop/gui/panels/denoise_panel.py").read_text(encoding="utf-8")
