"""lecturelib.models: published parameter counts, torchvision's state_dict layouts, shapes, multiply–adds,
and the lecturelib.torch_nn twin of every network computing what the torch.nn one computes."""

from __future__ import annotations

import json
import math
import pathlib

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lecturelib.models import (ALEXNET_PAPER_NEURONS, GoogLeNetOutputs, alexnet, alexnet_small, googlenet,
                                      nin, plain_net, resnet, resnet_cifar, vgg)
from lecturelib.models import summary

REFERENCE = json.loads((pathlib.Path(__file__).parent / "reference" / "torchvision_state_dicts.json")
                       .read_text(encoding="utf-8"))
IMPLS = ["torch", "lecturelib"]


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _layout(model: nn.Module) -> dict[str, list[int]]:
    return {name: list(t.shape) for name, t in model.state_dict().items()}


def _on_meta(build):
    """Build on the meta device: shapes and counts without allocating or initialising any weights."""
    with torch.device("meta"):
        return build()


# -------------------------------------------------------------------------------- published parameter counts

COUNTS = {  # id: (builder of impl, parameters as published / as torchvision reports them)
    "alexnet-paper": (lambda impl: alexnet(variant="paper", impl=impl), 60_965_224),
    "alexnet-torchvision": (lambda impl: alexnet(variant="torchvision", impl=impl), 61_100_840),
    "vgg11": (lambda impl: vgg(11, impl=impl), 132_863_336),
    "vgg13": (lambda impl: vgg(13, impl=impl), 133_047_848),
    "vgg16": (lambda impl: vgg(16, impl=impl), 138_357_544),
    "vgg19": (lambda impl: vgg(19, impl=impl), 143_667_240),
    "vgg16_bn": (lambda impl: vgg(16, batch_norm=True, impl=impl), 138_365_992),
    "googlenet": (lambda impl: googlenet(impl=impl), 6_624_904),
    "googlenet-aux": (lambda impl: googlenet(aux_logits=True, impl=impl), 13_004_888),
    "resnet18": (lambda impl: resnet(18, impl=impl), 11_689_512),
    "resnet34": (lambda impl: resnet(34, impl=impl), 21_797_672),
    "resnet50": (lambda impl: resnet(50, impl=impl), 25_557_032),
    "resnet101": (lambda impl: resnet(101, impl=impl), 44_549_160),
    "resnet152": (lambda impl: resnet(152, impl=impl), 60_192_808),
    "nin-cifar10": (lambda impl: nin(10, in_channels=3, impl=impl), 966_986),
    "resnet20-cifar10": (lambda impl: resnet_cifar(20, in_channels=3, impl=impl), 269_722),
    "alexnet-small": (lambda impl: alexnet_small(impl=impl), 163_146),   # the count lecturelib.models cites
}


@pytest.mark.parametrize("key", list(COUNTS), ids=list(COUNTS))
@pytest.mark.parametrize("impl", IMPLS, ids=IMPLS)
def test_parameter_count(key, impl):
    build, expected = COUNTS[key]
    assert _count(_on_meta(lambda: build(impl))) == expected


def test_alexnet_parameters_sit_in_the_fully_connected_layers():
    model = _on_meta(alexnet)
    fc = sum(_count(getattr(model, name)) for name in ("fc6", "fc7", "fc8"))
    assert fc == 58_631_144 and round(fc / 1e6, 1) == 58.6
    assert _count(model) - fc == 2_334_080


@pytest.mark.parametrize("depth,published", [(20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7)],
                         ids=["resnet20", "resnet32", "resnet44", "resnet56", "resnet110"])
def test_cifar_resnets_have_the_papers_sizes(depth, published):
    """He et al. 2016, table 6 (CIFAR-10, option A shortcuts); the plain nets have the same parameters."""
    residual, plain = _on_meta(lambda: resnet_cifar(depth, in_channels=3)), _on_meta(lambda: plain_net(depth, 10, 3))
    digits = 1 if published >= 1 else 2
    assert round(_count(residual) / 1e6, digits) == published
    assert _count(plain) == _count(residual)
    projection = _on_meta(lambda: resnet_cifar(depth, in_channels=3, shortcut="projection"))
    assert _count(projection) - _count(residual) == (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


# ------------------------------------------------------------------------------- torchvision's state_dicts

TORCHVISION = {
    "alexnet": lambda impl: alexnet(variant="torchvision", impl=impl),
    "vgg11": lambda impl: vgg(11, impl=impl), "vgg13": lambda impl: vgg(13, impl=impl),
    "vgg16": lambda impl: vgg(16, impl=impl), "vgg19": lambda impl: vgg(19, impl=impl),
    "vgg16_bn": lambda impl: vgg(16, batch_norm=True, impl=impl),
    "resnet18": lambda impl: resnet(18, impl=impl), "resnet34": lambda impl: resnet(34, impl=impl),
    "resnet50": lambda impl: resnet(50, impl=impl), "resnet101": lambda impl: resnet(101, impl=impl),
    "resnet152": lambda impl: resnet(152, impl=impl),
    "googlenet": lambda impl: googlenet(impl=impl),
}


def test_reference_covers_every_torchvision_builder():
    assert set(TORCHVISION) == set(REFERENCE)


@pytest.mark.parametrize("key", list(TORCHVISION), ids=list(TORCHVISION))
@pytest.mark.parametrize("impl", IMPLS, ids=IMPLS)
def test_state_dict_is_torchvisions(key, impl):
    """Same names (in the same order), shapes and buffers (running statistics, num_batches_tracked)."""
    layout = _layout(_on_meta(lambda: TORCHVISION[key](impl)))
    assert layout == REFERENCE[key]
    assert list(layout) == list(REFERENCE[key])


def test_googlenet_aux_classifiers_have_torchvisions_names():
    layout = _layout(_on_meta(lambda: googlenet(aux_logits=True)))
    extra = {k: v for k, v in layout.items() if k not in REFERENCE["googlenet"]}
    assert {k: v for k, v in layout.items() if k in REFERENCE["googlenet"]} == REFERENCE["googlenet"]
    for aux, channels in (("aux1", 512), ("aux2", 528)):
        assert extra.pop(f"{aux}.conv.conv.weight") == [128, channels, 1, 1]
        for buffer in ("weight", "bias", "running_mean", "running_var"):
            assert extra.pop(f"{aux}.conv.bn.{buffer}") == [128]
        assert extra.pop(f"{aux}.conv.bn.num_batches_tracked") == []
        assert extra.pop(f"{aux}.fc1.weight") == [1024, 2048] and extra.pop(f"{aux}.fc1.bias") == [1024]
        assert extra.pop(f"{aux}.fc2.weight") == [1000, 1024] and extra.pop(f"{aux}.fc2.bias") == [1000]
    assert extra == {}


OTHERS = {  # builders without a torchvision twin: the two impls still share names and shapes
    "alexnet-paper": lambda impl: alexnet(impl=impl),
    "alexnet-small": lambda impl: alexnet_small(groups=2, impl=impl),
    "googlenet-aux": lambda impl: googlenet(aux_logits=True, impl=impl),
    "nin": lambda impl: nin(impl=impl),
    "resnet-cifar-20": lambda impl: resnet_cifar(20, impl=impl),
    "resnet-cifar-8-projection": lambda impl: resnet_cifar(8, shortcut="projection", impl=impl),
    "plain-20": lambda impl: plain_net(20, impl=impl),
}


@pytest.mark.parametrize("key", list(OTHERS), ids=list(OTHERS))
def test_both_impls_share_state_dict_layout(key):
    assert _layout(_on_meta(lambda: OTHERS[key]("lecturelib"))) == _layout(_on_meta(lambda: OTHERS[key]("torch")))


# ---------------------------------------------------------------------------------------- output shapes

SHAPES = {  # id: (builder, input shape, output shape); built on the meta device (shapes only)
    "alexnet-paper-227": (lambda: alexnet(num_classes=7), (2, 3, 227, 227), (2, 7)),
    "alexnet-torchvision-224": (lambda: alexnet(variant="torchvision"), (2, 3, 224, 224), (2, 1000)),
    "alexnet-torchvision-300": (lambda: alexnet(variant="torchvision"), (1, 3, 300, 300), (1, 1000)),
    "vgg19_bn-224": (lambda: vgg(19, batch_norm=True, num_classes=5), (2, 3, 224, 224), (2, 5)),
    "googlenet-224": (lambda: googlenet(), (2, 3, 224, 224), (2, 1000)),
    "resnet18-224": (lambda: resnet(18), (2, 3, 224, 224), (2, 1000)),
    "resnet152-224": (lambda: resnet(152, num_classes=3), (2, 3, 224, 224), (2, 3)),
    "resnet50-32": (lambda: resnet(50), (1, 3, 32, 32), (1, 1000)),
    "nin-32": (lambda: nin(), (2, 3, 32, 32), (2, 10)),
}


@pytest.mark.parametrize("key", list(SHAPES), ids=list(SHAPES))
def test_output_shape(key):
    build, shape, expected = SHAPES[key]
    model = _on_meta(build).eval()
    assert tuple(model(torch.empty(shape, device="meta")).shape) == expected


def test_paper_alexnet_needs_227_not_224():
    """(224 − 11)/4 + 1 = 54.25: with 224 pixels pool5 is 5×5 and fc6's 9216 inputs do not fit."""
    model = _on_meta(alexnet)
    with pytest.raises(RuntimeError, match="9216"):
        model(torch.empty(1, 3, 224, 224, device="meta"))


SMALL = {  # Fashion-MNIST-sized networks, both impls, real forward passes
    "alexnet-small": (lambda impl: alexnet_small(impl=impl), [(16, 28, 28), (32, 13, 13), (32, 2, 2)]),
    "alexnet-small-pool2-tanh-nolrn": (
        lambda impl: alexnet_small(pool_size=2, activation="tanh", lrn=False, dropout=0.0, impl=impl),
        [(16, 28, 28), (32, 14, 14), (32, 3, 3)]),
    "nin": (lambda impl: nin(in_channels=1, impl=impl), [(96, 28, 28), (96, 13, 13), (10, 1, 1)]),
    "resnet-cifar-8": (lambda impl: resnet_cifar(8, width=8, impl=impl), [(8, 28, 28), (16, 14, 14), (32, 7, 7)]),
    "plain-8": (lambda impl: plain_net(8, width=8, impl=impl), [(8, 28, 28), (16, 14, 14), (32, 7, 7)]),
}


@pytest.mark.parametrize("key", list(SMALL), ids=list(SMALL))
@pytest.mark.parametrize("impl", IMPLS, ids=IMPLS)
def test_small_networks_on_fashion_mnist_shapes(key, impl):
    build, maps = SMALL[key]
    model = build(impl)
    out = model(torch.rand(3, 1, 28, 28))
    assert out.shape == (3, 10)
    shapes = {r["output_shape"] for r in summary(model, (1, 28, 28), print_table=False).rows}
    assert set(maps) <= shapes, sorted(shapes)


def test_alexnet_small_channels_and_groups():
    model = alexnet_small(channels=(24, 32, 48, 48, 32), groups=2)
    assert model.conv1.weight.shape == (24, 1, 5, 5) and model.conv2.weight.shape == (32, 12, 5, 5)
    assert model.conv3.groups == 1 and model.conv4.groups == model.conv5.groups == 2
    assert model.norm1.size == 5 and model.pool1.kernel_size == 3
    assert [n for n in dict(model.named_children()) if n.startswith("drop")] == ["drop6", "drop7"]


def test_googlenet_returns_aux_logits_in_training_only():
    torch.manual_seed(0)
    model = googlenet(num_classes=10, aux_logits=True)
    x = torch.rand(2, 3, 64, 64)
    out = model.train()(x)
    assert isinstance(out, GoogLeNetOutputs)
    assert [tuple(t.shape) for t in out] == [(2, 10)] * 3
    with torch.no_grad():
        assert model.eval()(x).shape == (2, 10)


# ------------------------------------------------------------------------------ AlexNet as the paper says


@pytest.fixture(scope="module")
def paper_alexnet_summary():
    torch.manual_seed(0)
    model = alexnet().eval()
    return model, summary(model, (3, 227, 227), print_table=False)


def test_paper_alexnet_layer_shapes(paper_alexnet_summary):
    _, s = paper_alexnet_summary
    rows = {r["name"]: r["output_shape"] for r in s.rows}
    assert rows["conv1"] == (96, 55, 55) and rows["pool1"] == (96, 27, 27)
    assert rows["conv2"] == (256, 27, 27) and rows["pool2"] == (256, 13, 13)
    assert rows["conv3"] == rows["conv4"] == (384, 13, 13) and rows["conv5"] == (256, 13, 13)
    assert rows["pool5"] == (256, 6, 6) and rows["fc6"] == rows["fc7"] == (4096,) and rows["fc8"] == (1000,)


def test_paper_alexnet_neurons_against_the_paper(paper_alexnet_summary):
    """Every count of the paper is C·H·W of the layer's output, except conv1: 290,400 ≠ 253,440."""
    _, s = paper_alexnet_summary
    neurons = {r["name"]: r["neurons"] for r in s.rows if r["name"] in ALEXNET_PAPER_NEURONS}
    assert neurons["conv1"] == 55 * 55 * 96 == 290_400 != ALEXNET_PAPER_NEURONS["conv1"]
    assert {k: v for k, v in neurons.items() if k != "conv1"} == \
        {k: v for k, v in ALEXNET_PAPER_NEURONS.items() if k not in ("conv1", "input")}
    assert ALEXNET_PAPER_NEURONS["input"] == 224 * 224 * 3


def test_paper_alexnet_initialisation(paper_alexnet_summary):
    """N(0, 0.01²) weights; biases 1 in conv2, conv4, conv5, fc6, fc7 and 0 in conv1, conv3, fc8."""
    model, _ = paper_alexnet_summary
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"):
        layer = getattr(model, name)
        assert abs(float(layer.weight.detach().std()) / 0.01 - 1) < 0.05, name
        unit = name in ("conv2", "conv4", "conv5", "fc6", "fc7")
        assert torch.equal(layer.bias, torch.full_like(layer.bias, 1.0 if unit else 0.0)), name


INITS = {  # id: (builder, {parameter: expected standard deviation}) — torchvision's initialisations
    "vgg11": (lambda: vgg(11), {"features.3.weight": math.sqrt(2 / (128 * 9)), "classifier.3.weight": 0.01}),
    "resnet18": (lambda: resnet(18), {"conv1.weight": math.sqrt(2 / (64 * 49)),
                                      "layer4.1.conv2.weight": math.sqrt(2 / (512 * 9))}),
    "googlenet": (lambda: googlenet(), {"fc.weight": 0.01, "inception4a.branch2.1.conv.weight": 0.01}),
    "resnet-cifar-20": (lambda: resnet_cifar(20), {"layer3.1.conv2.weight": math.sqrt(2 / (64 * 9))}),
}


@pytest.mark.parametrize("key", list(INITS), ids=list(INITS))
def test_initialisation(key):
    """Standard deviations within 5 % (PyTorch's default init would give other values for each of these)."""
    build, stds = INITS[key]
    torch.manual_seed(0)
    state = build().state_dict()
    for name, std in stds.items():
        assert abs(float(state[name].std()) / std - 1) < 0.05, name


# ---------------------------------------------------------------------- summary vs torch's FLOP counter


def _paper_alexnet_macs() -> int:
    """Σ H·W·C_out·(C_in/groups)·k² over the convolutions plus Σ in·out over the fully connected layers."""
    convs = [(55, 96, 3, 11), (27, 256, 96 // 2, 5), (13, 384, 256, 3), (13, 384, 384 // 2, 3), (13, 256, 384 // 2, 3)]
    return sum(side * side * out * inp * k * k for side, out, inp, k in convs) + 9216 * 4096 + 4096 * 4096 + 4096 * 1000


MACS = {  # id: (builder, input shape, multiply–adds per sample when known independently of both counters)
    "alexnet-paper": (lambda: alexnet(), (3, 227, 227), _paper_alexnet_macs()),
    "alexnet-torchvision": (lambda: alexnet(variant="torchvision"), (3, 224, 224), None),
    "resnet18": (lambda: resnet(18), (3, 224, 224), None),
    "resnet50-64px": (lambda: resnet(50), (3, 64, 64), None),
    "googlenet": (lambda: googlenet(), (3, 224, 224), None),
    "nin-28px": (lambda: nin(in_channels=1), (1, 28, 28), None),
    "alexnet-small-groups2": (lambda: alexnet_small(groups=2), (1, 28, 28), None),
    "resnet-cifar-20": (lambda: resnet_cifar(20), (1, 28, 28), None),
}


@pytest.mark.parametrize("key", list(MACS), ids=list(MACS))
def test_summary_totals_match_parameters_and_flop_counter(key):
    """summary's totals equal Σ numel and FlopCounterMode's FLOPs / 2 (convolutions and linear layers)."""
    build, shape, known = MACS[key]
    torch.manual_seed(0)
    model = build().eval()
    s = summary(model, shape, print_table=False)
    assert s.total_params == _count(model)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, *shape))
    assert 2 * s.total_macs == counter.get_total_flops()
    if known is not None:
        assert s.total_macs == known


def test_summary_counts_layers_used_only_in_training():
    """GoogLeNet's auxiliary classifiers run only in training mode: the eval summary lists them as not called
    (parameters counted, no multiply–adds); train=True measures them too, on a copy of the model."""
    torch.manual_seed(0)
    model = googlenet(aux_logits=True).eval()
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    evaluated = summary(model, (3, 224, 224), print_table=False)
    assert evaluated.total_params == _count(model) == 13_004_888
    idle = [r for r in evaluated.rows if r["type"].endswith("(not called)")]
    assert idle and all(r["name"].startswith("aux") and r["macs"] == 0 for r in idle)
    trained = summary(model, (3, 224, 224), print_table=False, train=True)
    assert trained.total_params == 13_004_888 and not any("not called" in r["type"] for r in trained.rows)
    assert not model.training, "summary(train=True) left the model in training mode"
    assert all(torch.equal(before[k], model.state_dict()[k]) for k in before), "running statistics changed"
    model.train()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    assert 2 * trained.total_macs == counter.get_total_flops() > 2 * evaluated.total_macs


def test_resnet18_multiply_adds():
    """1.81 G multiply–adds per 224×224 image (He et al. 2016 quote 1.8 × 10⁹ FLOPs, counting multiply–adds)."""
    model = _on_meta(lambda: resnet(18))
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, 224, 224, device="meta"))
    assert counter.get_total_flops() // 2 == 1_814_073_344


# ----------------------------------------------------------------- the lecturelib twin computes the same

TWIN_TOL = 1e-10   # float64; the two sum in different orders (im2col + matmul vs. PyTorch's kernels)


def _randomize(model: nn.Module, seed: int) -> None:
    """He-scaled weights (the builder's random weights rescaled: cheap for AlexNet's 58 M fc weights), non-zero
    biases, batch-norm parameters and running statistics away from 1 and 0."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if t.ndim >= 2:
                t.mul_(math.sqrt(2 / t[0].numel()) / t.std())
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g, dtype=t.dtype))
            elif name.endswith(".weight"):                      # batch-norm γ
                t.copy_(0.5 + torch.rand(t.shape, generator=g, dtype=t.dtype))
            else:                                               # biases, β, running means
                t.copy_(0.1 * torch.randn(t.shape, generator=g, dtype=t.dtype))


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


def _assert_twins_agree(build, shape, train: bool) -> None:
    """Same state_dict ⇒ same outputs, parameter gradients (and, in training, running statistics)."""
    torch.manual_seed(0)
    ref = build("torch").double()
    _randomize(ref, seed=1)
    twin = _on_meta(lambda: build("lecturelib")).to_empty(device="cpu").double()
    twin.load_state_dict(ref.state_dict())          # strict: names and shapes agree; fills every tensor
    ref.train(train)
    twin.train(train)
    x = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y_ref, y_twin = ref(x), twin(x)
    assert float(y_ref.detach().std()) > 1e-3        # a non-trivial output, so agreement means something
    assert _rel_err(y_twin.detach(), y_ref.detach()) < TWIN_TOL
    upstream = torch.randn(y_ref.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    (y_ref * upstream).sum().backward()
    (y_twin * upstream).sum().backward()
    twin_params = dict(twin.named_parameters())
    for name, p in ref.named_parameters():
        assert p.grad.abs().max() > 0, name
        assert _rel_err(twin_params[name].grad, p.grad) < TWIN_TOL, name
    twin_state = twin.state_dict()
    for name, t in ref.state_dict().items():         # running statistics updated alike (training only)
        if t.is_floating_point():
            assert _rel_err(twin_state[name], t) < TWIN_TOL, name
        else:
            assert torch.equal(twin_state[name], t), name


TWINS = {  # id: (builder of impl, input shape, training mode)
    "resnet18-224-train": (lambda impl: resnet(18, impl=impl), (2, 3, 224, 224), True),
    "resnet18-128-eval": (lambda impl: resnet(18, impl=impl), (1, 3, 128, 128), False),
    "alexnet-paper-227": (lambda impl: alexnet(impl=impl), (2, 3, 227, 227), False),
    "alexnet-torchvision-224": (lambda impl: alexnet(variant="torchvision", impl=impl), (2, 3, 224, 224), False),
    "googlenet-64-eval": (lambda impl: googlenet(num_classes=10, impl=impl), (2, 3, 64, 64), False),
    "resnet50-64-train": (lambda impl: resnet(50, num_classes=10, impl=impl), (2, 3, 64, 64), True),
    "resnet-cifar-8-train": (lambda impl: resnet_cifar(8, impl=impl), (4, 1, 28, 28), True),
    "plain-8-train": (lambda impl: plain_net(8, impl=impl), (4, 1, 28, 28), True),
    "nin-28": (lambda impl: nin(in_channels=1, impl=impl), (2, 1, 28, 28), False),
    "alexnet-small-groups2": (lambda impl: alexnet_small(groups=2, impl=impl), (2, 1, 28, 28), False),
}


@pytest.mark.parametrize("key", list(TWINS), ids=list(TWINS))
def test_lecturelib_twin_computes_the_same(key):
    _assert_twins_agree(*TWINS[key])


# ---------------------------------------------------------------------------------------- bad arguments

BAD = {  # id: (call, exception, words the message must contain: the argument, what was expected, what came)
    "alexnet-variant": (lambda: alexnet(variant="v2"), ValueError, ["variant", "paper", "'v2'"]),
    "alexnet-impl": (lambda: alexnet(impl="numpy"), ValueError, ["impl", "lecturelib", "'numpy'"]),
    "alexnet-num-classes-zero": (lambda: alexnet(num_classes=0), ValueError, ["num_classes", "≥ 1", "0"]),
    "alexnet-num-classes-float": (lambda: alexnet(num_classes=10.0), TypeError, ["num_classes", "int", "10.0"]),
    "vgg-depth": (lambda: vgg(12), ValueError, ["depth", "[11, 13, 16, 19]", "12"]),
    "vgg-depth-float": (lambda: vgg(16.0), TypeError, ["depth", "int", "16.0"]),
    "resnet-depth-list": (lambda: resnet([18]), TypeError, ["depth", "int", "[18]"]),
    "alexnet-variant-list": (lambda: alexnet(variant=["paper"]), ValueError, ["variant", "['paper']"]),
    "vgg-batch-norm": (lambda: vgg(16, batch_norm="yes"), TypeError, ["batch_norm", "True or False", "'yes'"]),
    "resnet-depth": (lambda: resnet(20), ValueError, ["depth", "[18, 34, 50, 101, 152]", "20"]),
    "resnet-impl": (lambda: resnet(18, impl="torch_nn"), ValueError, ["impl", "'torch_nn'"]),
    "googlenet-aux": (lambda: googlenet(aux_logits=1), TypeError, ["aux_logits", "True or False", "1"]),
    "googlenet-classes": (lambda: googlenet(num_classes=-3), ValueError, ["num_classes", "-3"]),
    "nin-in-channels": (lambda: nin(in_channels=0), ValueError, ["in_channels", "≥ 1", "0"]),
    "resnet-cifar-depth": (lambda: resnet_cifar(21), ValueError, ["depth", "6n + 2", "21"]),
    "resnet-cifar-shortcut": (lambda: resnet_cifar(20, shortcut="conv"), ValueError, ["shortcut", "pad", "'conv'"]),
    "plain-depth-small": (lambda: plain_net(2), ValueError, ["depth", "≥ 8", "2"]),
    "plain-width": (lambda: plain_net(20, width=0), ValueError, ["width", "≥ 1", "0"]),
    "alexnet-small-pool": (lambda: alexnet_small(pool_size=4), ValueError, ["pool_size", "[2, 3]", "4"]),
    "alexnet-small-activation": (lambda: alexnet_small(activation="sigmoid"), ValueError,
                                 ["activation", "relu", "'sigmoid'"]),
    "alexnet-small-channels": (lambda: alexnet_small(channels=(8, 8, 8)), ValueError, ["channels", "5", "3"]),
    "alexnet-small-groups": (lambda: alexnet_small(groups=3), ValueError, ["groups=3", "conv2", "(16, 32"]),
    "alexnet-small-input": (lambda: alexnet_small(input_size=8), ValueError, ["input_size", "at least", "8"]),
    "alexnet-small-dropout": (lambda: alexnet_small(dropout=1.0), ValueError, ["dropout", "[0, 1)", "1.0"]),
    "alexnet-small-lrn": (lambda: alexnet_small(lrn="yes"), TypeError, ["lrn", "True or False", "'yes'"]),
}


@pytest.mark.parametrize("key", list(BAD), ids=list(BAD))
def test_bad_arguments_say_what_was_expected(key):
    call, error, words = BAD[key]
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


FIT = {  # id: (builder, Adam's learning rate, steps): batch norm takes a larger rate and fewer steps
    "plain-8": (lambda: plain_net(8, width=8), 1e-2, 20),
    "resnet-8": (lambda: resnet_cifar(8, width=8), 1e-2, 20),
    "alexnet-small": (lambda: alexnet_small(dropout=0.0), 1e-3, 40),
}


@pytest.mark.parametrize("key", list(FIT), ids=list(FIT))
def test_small_networks_fit_a_small_batch(key):
    """A few Adam steps on 32 noisy 28×28 images of ten class templates cut the training loss to under a
    quarter (the networks learn from their initialisation; seeds 0–2 reach 0.02–0.09 of the first loss)."""
    build, lr, steps = FIT[key]
    torch.manual_seed(0)
    model = build()
    y = torch.arange(32) % 10
    x = 0.5 * torch.rand(10, 1, 28, 28)[y] + 0.5 * torch.rand(32, 1, 28, 28)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.25 * losses[0], losses


@pytest.mark.parametrize("key", ["alexnet-small", "nin", "resnet-cifar-8"], ids=["alexnet-small", "nin", "resnet-cifar-8"])
def test_summary_is_the_same_for_both_impls(key):
    """Same rows (names, shapes, neurons, parameters, multiply–adds) whichever layer set built the network."""
    build, _ = SMALL[key]
    rows = {}
    for impl in IMPLS:
        torch.manual_seed(0)
        rows[impl] = [{k: v for k, v in r.items() if k != "type"}
                      for r in summary(build(impl), (1, 28, 28), print_table=False).rows]
    assert rows["lecturelib"] == rows["torch"]
    assert sum(r["macs"] for r in rows["torch"]) > 0
