import pytest
import torch

from training.losses import LOSS_NAMES, LOSSES
from training.schedules import SCHEDULES, lr_factor
from training.config import ScheduleConfig


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_losses_are_minimal_at_the_target(name: str) -> None:
    target = torch.rand(2, 1, 8, 8) * 0.8 + 0.1
    fn = LOSSES[name]
    assert fn(target + 0.1, target) > fn(target, target)
    assert fn(target, target) >= 0


def test_charbonnier_is_l1_like_for_large_errors() -> None:
    a, b = torch.zeros(100), torch.full((100,), 0.5)
    assert LOSSES["charbonnier"](a, b).item() == pytest.approx(LOSSES["l1"](a, b).item(), rel=1e-4)


def test_schedules() -> None:
    assert set(SCHEDULES) >= {"step", "exponential", "cosine"}
    exp = lr_factor(ScheduleConfig(name="exponential", gamma=0.95), steps_per_epoch=10, total_steps=100)
    assert exp(9) == 1.0 and exp(10) == pytest.approx(0.95) and exp(35) == pytest.approx(0.95**3)
    step = lr_factor(ScheduleConfig(name="step", gamma=0.1, step_epochs=2), steps_per_epoch=10, total_steps=100)
    assert step(19) == 1.0 and step(20) == pytest.approx(0.1)
    cos = lr_factor(ScheduleConfig(name="cosine", warmup_steps=10, min_lr_ratio=0.1), steps_per_epoch=10, total_steps=110)
    assert cos(0) == pytest.approx(0.1) and cos(9) == pytest.approx(1.0)
    assert cos(60) == pytest.approx(0.55) and cos(110) == pytest.approx(0.1)
