"""Chapter 15's networks and optimiser: BitNet's parameter count, quasi-hexagonal kernels, Riemannian SGD."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lecturelib import manifold
from lecturelib.models import bitnet, qh_net, resnet_cifar
from lecturelib.models.bitnet import BitBlock, bitblock_weights, bitnet_param_formula
from lecturelib.models.hexconv import HEX_MASKS, HexConv2d, count_params, occlude

MANIFOLDS = ("sphere", "oblique", "stiefel")


# --------------------------------------------------------------------------------------------- BitNet
@pytest.mark.parametrize("K", [1, 2, 3, 4])
@pytest.mark.parametrize("D", [16, 64])
def test_fully_connected_bitblocks_match_the_proposition(D, K):
    L = 3
    blocks = [BitBlock(D, D, K, kernel_size=1) for _ in range(L)]
    assert sum(bitblock_weights(b) for b in blocks) == round(bitnet_param_formula(L, K, D))
    assert [b.conv1.out_channels for b in blocks][0] == D
    assert [getattr(blocks[0], f"conv{k}").in_channels for k in range(2, K + 1)] == [D // 2 ** k for k in range(1, K)]
    x = torch.randn(5, D, 1, 1)
    assert blocks[0](x).shape == (5, D, 1, 1)                    # concatenation restores the width D


def test_conv_bitblock_counts_and_shapes():
    block = BitBlock(16, 32, 3, stride=2)
    assert block(torch.randn(2, 16, 14, 14)).shape == (2, 32, 7, 7)
    same = BitBlock(32, 32, 3)
    assert bitblock_weights(same) == round(bitnet_param_formula(1, 3, 32, kernel_size=3))
    with pytest.raises(ValueError, match="divisible"):
        BitBlock(12, 12, 4)


def test_bitnet_depth_and_size_against_its_wide_comparator():
    net, wide = bitnet(14, width=8, block_depth=4), resnet_cifar(14, width=8)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) + 1 == 14                                   # 13 convolutions + fc
    assert net(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    n_bit, n_wide = (sum(p.numel() for p in m.parameters()) for m in (net, wide))
    assert 0.2 < n_bit / n_wide < 1 / 3, (n_bit, n_wide)          # "1/3–1/4 of the size" holds for the builders
    with pytest.raises(ValueError, match="3·n·K"):
        bitnet(16, block_depth=4)


# --------------------------------------------------------------------------------------------- hexagonal kernels
def test_masks_and_impulse_response():
    assert HEX_MASKS["down"][2, 0] == HEX_MASKS["down"][2, 2] == 0 and HEX_MASKS["down"].sum() == 7
    assert HEX_MASKS["up"][0, 0] == HEX_MASKS["up"][0, 2] == 0 and HEX_MASKS["up"].sum() == 7
    for orientation in ("down", "up"):
        conv = HexConv2d(1, 1, orientation)
        with torch.no_grad():
            conv.weight.fill_(1.0)                                # the mask must still apply in forward
        impulse = torch.zeros(1, 1, 5, 5)
        impulse[0, 0, 2, 2] = 1.0
        response = conv(impulse)[0, 0, 1:4, 1:4]
        # a convolution (cross-correlation) spreads an impulse as the kernel flipped in both axes
        assert torch.equal(response, HEX_MASKS[orientation].flip(0, 1)), (orientation, response)


def test_qh_net_alternates_orientation_and_matches_the_budget():
    hexnet, square = qh_net("hex"), qh_net("square")
    assert [m.orientation for m in hexnet.modules() if isinstance(m, HexConv2d)] == ["down", "up"] * 2 + ["down"]
    assert not any(isinstance(m, HexConv2d) for m in square.modules())
    n_hex, n_square = count_params(hexnet), count_params(square)
    assert abs(n_hex - n_square) <= 0.01 * n_hex, (n_hex, n_square)
    assert sum(p.numel() for p in hexnet.parameters()) - n_hex == 2 * sum(
        m.in_channels * m.out_channels for m in hexnet.modules() if isinstance(m, HexConv2d))


def test_masked_weights_stay_zero_after_training_steps():
    torch.manual_seed(0)
    net = qh_net("hex")
    before = {n: m.weight.detach().clone() for n, m in net.named_modules() if isinstance(m, HexConv2d)}
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    for name, m in net.named_modules():
        if isinstance(m, HexConv2d):
            off = (m.mask == 0).expand_as(m.weight)
            assert torch.all(m.weight[off] == 0), name
            assert not torch.equal(m.weight[~off], before[name][~off]), name   # the free entries did train


def test_occlude_hides_one_square_per_image():
    x = torch.ones(4, 1, 28, 28)
    out = occlude(x, size=10, rng=0)
    assert torch.equal((out == 0).sum(dim=(1, 2, 3)), torch.full((4,), 100))
    assert torch.all(x == 1)                                      # a copy


# --------------------------------------------------------------------------------------------- manifolds
def _point(manifold_name, d, n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return manifold.project_to_manifold(torch.randn(d, n, generator=g, dtype=torch.float64), manifold_name)


@pytest.mark.parametrize("name", MANIFOLDS)
@pytest.mark.parametrize("shape", [(27, 8), (9, 14)])
def test_projection_is_tangent_and_retraction_lands_on_the_manifold(name, shape):
    if name != "stiefel" and shape == (9, 14):
        shape = (9, 4)
    W = _point(name, *shape)
    assert manifold.constraint_violation(W, name) < 1e-12
    G = torch.randn(*shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    xi = manifold.tangent_projection(W, G, name)
    if name == "sphere":
        assert abs(float((W * xi).sum())) < 1e-12
    elif name == "oblique":
        assert float((W * xi).sum(0).abs().max()) < 1e-12
    else:
        A, B = (W.T, xi.T) if shape[1] > shape[0] else (W, xi)
        S = A.T @ B
        assert float((S + S.T).abs().max()) < 1e-12               # WᵀΞ skew-symmetric
    assert torch.allclose(manifold.tangent_projection(W, xi, name), xi, atol=1e-12)   # a projection
    assert float((G - xi).norm()) > 1e-3                          # and not the identity
    assert manifold.constraint_violation(manifold.retract(W, -0.3 * xi, name), name) < 1e-12


@pytest.mark.parametrize("name", MANIFOLDS)
def test_riemannian_sgd_keeps_conv_filters_on_the_manifold(name):
    torch.manual_seed(0)
    net = qh_net("square", widths=(8, 8, 16, 16, 16))
    opt = manifold.RiemannianSGD(manifold.param_groups(net, name), lr=0.1, momentum=0.9, weight_decay=5e-4)
    convs = [p for p in net.parameters() if p.ndim == 4]
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    start = [p.detach().clone() for p in convs]
    for _ in range(4):
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
        assert max(manifold.constraint_violation(p, name) for p in convs) < 2e-5
    assert all(not torch.allclose(p, q) for p, q in zip(convs, start))


@pytest.mark.parametrize("name", MANIFOLDS)
def test_riemannian_sgd_finds_the_nearest_point(name):
    """Maximising ⟨W, A⟩ on the manifold converges to A/‖A‖ (sphere), A's normalised columns (oblique) or A's
    polar factor (Stiefel)."""
    A = torch.randn(6, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)   # d × n
    weight = torch.nn.Parameter(manifold.from_matrix(_point(name, 6, 3, seed=3), (3, 6)))   # 3 filters of 6
    opt = manifold.RiemannianSGD([weight], lr=0.2, momentum=0.5, manifold=name)
    for _ in range(300):
        opt.zero_grad()
        (-(manifold.as_matrix(weight) * A).sum()).backward()
        opt.step()
    W = manifold.as_matrix(weight)
    if name == "sphere":
        target = A / A.norm()
    elif name == "oblique":
        target = A / A.norm(dim=0)
    else:
        U, _, Vh = torch.linalg.svd(A, full_matrices=False)
        target = U @ Vh
    assert torch.allclose(W.detach(), target, atol=1e-6), (W, target)


def test_euclidean_group_is_plain_sgd():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    opt_a = manifold.RiemannianSGD(a.parameters(), lr=0.1, momentum=0.9, manifold="euclidean", weight_decay=1e-2)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-2)
    x = torch.randn(8, 4)
    for _ in range(3):
        for m, o in ((a, opt_a), (b, opt_b)):
            o.zero_grad()
            m(x).pow(2).sum().backward()
            o.step()
    assert torch.allclose(a.weight, b.weight, atol=1e-6) and not torch.allclose(a.weight, torch.zeros(3, 4))
    with pytest.raises(ValueError, match="manifold"):
        manifold.RiemannianSGD(a.parameters(), lr=0.1, manifold="torus")
