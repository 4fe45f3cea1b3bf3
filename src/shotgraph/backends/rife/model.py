"""RIFE 4.x's IFNet (Huang et al., "Real-Time Intermediate Flow Estimation", ECCV 2022) in torch.

IFNet estimates, coarse to fine, the flows from the in-between frame at time ``t`` to both inputs
plus a fusion mask, and blends the two warped inputs. The RIFE 4.x releases differ in a few
dimensions, which :func:`config_from_state` reads off a checkpoint's tensor shapes, and in two
behaviours tied to those shapes:

- 4.6 (``flownet.pkl`` of Practical-RIFE 4.6, the long-time default): no feature encoder,
  4 blocks of residual convolutions, each block adds a correction to the fusion mask;
- 4.13 onward (e.g. 4.18, 4.22, 4.25, 4.26): a small convolutional ``encode`` head whose features
  of both frames are warped along and fed to every block (4 or 5 blocks), each block *replaces*
  the mask, and in 4.21+ blocks also hand 8 feature channels to the next.

Not supported, with a clear error: 4.0-4.5 (PReLU blocks without the residual convolutions) and
4.7-4.12 (a sequential feature encoder whose mask handling differs).

Module names match the releases, so their state dicts load with strict key matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def _conv(in_planes: int, out_planes: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_planes, out_planes, 3, stride, 1, bias=True), nn.LeakyReLU(0.2, True))


class ResConv(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, channels, 1, 1)))
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        return self.relu(self.conv(x) * self.beta + x)


class IFBlock(nn.Module):
    """One scale: inputs at 1/scale, four stride-2 convolutions' worth of context, and an output
    of 4 flow channels (t→0, t→1), 1 mask channel and optionally features, back at full size."""

    def __init__(self, in_planes: int, channels: int, out_channels: int):
        super().__init__()
        self.conv0 = nn.Sequential(_conv(in_planes, channels // 2, 2), _conv(channels // 2, channels, 2))
        self.convblock = nn.Sequential(*[ResConv(channels) for _ in range(8)])
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(channels, 4 * out_channels, 4, 2, 1), nn.PixelShuffle(2))

    def forward(self, x, flow, scale: float):
        x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear", align_corners=False) / scale
            x = torch.cat((x, flow), 1)
        out = self.lastconv(self.convblock(self.conv0(x)))
        out = F.interpolate(out, scale_factor=scale, mode="bilinear", align_corners=False)
        return out[:, :4] * scale, out[:, 4:5], out[:, 5:]


class Head(nn.Module):
    """The per-frame feature encoder of RIFE 4.13+."""

    def __init__(self, hidden: int, out_channels: int):
        super().__init__()
        self.cnn0 = nn.Conv2d(3, hidden, 3, 2, 1)
        self.cnn1 = nn.Conv2d(hidden, hidden, 3, 1, 1)
        self.cnn2 = nn.Conv2d(hidden, hidden, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(hidden, out_channels, 4, 2, 1)
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x):
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


@dataclass(frozen=True)
class IFNetConfig:
    block_channels: tuple[int, ...]  # width of each block, coarse to fine
    block_outputs: int  # channels out of each block: 6 (flow, mask, 1 unused) or 13 (+ 8 features)
    head_hidden: int = 0  # 0: no feature encoder (RIFE 4.6)
    head_channels: int = 0

    @property
    def passes_features(self) -> bool:
        return self.block_outputs > 6

    @property
    def feature_channels(self) -> int:
        return self.block_outputs - 5 if self.passes_features else 0

    def block_inputs(self, first: bool) -> int:
        images = 6 + 2 * self.head_channels + 1  # two frames (or their warps), features, timestep
        if first:
            return images
        return images + 1 + self.feature_channels + 4  # + mask, block features, flow

    @property
    def padding_multiple(self) -> int:
        return 32 if len(self.block_channels) <= 4 else 64


def config_from_state(state: dict) -> IFNetConfig:
    """The IFNet dimensions a RIFE 4.x state dict was saved from."""
    channels, index = [], 0
    while f"block{index}.conv0.0.0.weight" in state:
        channels.append(int(state[f"block{index}.conv0.0.0.weight"].shape[0]) * 2)
        index += 1
    if "block0.lastconv.weight" in state:
        raise ValueError("its blocks are those of RIFE 4.0-4.5 (PReLU, no residual convolutions), which are not "
                         "supported; use RIFE 4.6 or 4.13+")
    if not channels or "block0.lastconv.0.weight" not in state:
        raise ValueError("no IFNet blocks (block0.conv0..., block0.lastconv...) in the checkpoint")
    outputs = int(state["block0.lastconv.0.weight"].shape[1]) // 4
    hidden = head = 0
    if "encode.cnn0.weight" in state:
        hidden = int(state["encode.cnn0.weight"].shape[0])
        head = int(state["encode.cnn3.weight"].shape[1])
    elif any(key.startswith("encode.") for key in state):
        raise ValueError("its feature encoder is the sequential one of RIFE 4.7-4.12, which is not supported; "
                         "use RIFE 4.6 or 4.13+")
    return IFNetConfig(tuple(channels), outputs, hidden, head)


def backward_warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample ``image`` at pixel + flow (bilinear, edges repeated), as RIFE was trained."""
    batch, _, height, width = flow.shape
    ys = torch.linspace(-1.0, 1.0, height, device=flow.device).view(1, height, 1).expand(batch, height, width)
    xs = torch.linspace(-1.0, 1.0, width, device=flow.device).view(1, 1, width).expand(batch, height, width)
    grid = torch.stack([xs + flow[:, 0] / ((width - 1.0) / 2.0), ys + flow[:, 1] / ((height - 1.0) / 2.0)], dim=3)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)


class IFNet(nn.Module):
    def __init__(self, config: IFNetConfig):
        super().__init__()
        self.config = config
        for index, channels in enumerate(config.block_channels):
            setattr(self, f"block{index}", IFBlock(config.block_inputs(index == 0), channels, config.block_outputs))
        if config.head_hidden:
            self.encode = Head(config.head_hidden, config.head_channels)

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, timestep: float, scale: float = 1.0) -> torch.Tensor:
        """The frame at ``timestep`` between ``img0`` and ``img1`` ((B, 3, H, W) RGB in 0..1, H and W
        multiples of :attr:`IFNetConfig.padding_multiple` / scale)."""
        n_blocks = len(self.config.block_channels)
        scales = [2 ** (n_blocks - 1 - i) / scale for i in range(n_blocks)]
        t = torch.full_like(img0[:, :1], float(timestep))
        f0 = f1 = None
        if self.config.head_hidden:
            f0, f1 = self.encode(img0), self.encode(img1)
        flow = mask = feat = None
        warped0, warped1 = img0, img1
        for index in range(n_blocks):
            block = getattr(self, f"block{index}")
            if flow is None:
                parts = [img0, img1] + ([f0, f1] if f0 is not None else []) + [t]
                flow, mask, feat = block(torch.cat(parts, 1), None, scales[index])
            else:
                parts = [warped0, warped1]
                if f0 is not None:
                    parts += [backward_warp(f0, flow[:, :2]), backward_warp(f1, flow[:, 2:4])]
                parts += [t, mask] + ([feat] if self.config.passes_features else [])
                delta, mask_delta, feat = block(torch.cat(parts, 1), flow, scales[index])
                flow = flow + delta
                # RIFE 4.6 refines the mask additively; the encoder generations predict it anew
                mask = mask_delta if self.config.head_hidden else mask + mask_delta
            warped0 = backward_warp(img0, flow[:, :2])
            warped1 = backward_warp(img1, flow[:, 2:4])
        weight = torch.sigmoid(mask)
        return (warped0 * weight + warped1 * (1 - weight)).clamp(0, 1)
