"""The RAFT optical-flow network (Teed & Deng, ECCV 2020) in torch.

Module names and tensor shapes follow the authors' release, so their checkpoints
(``raft-things.pth``, ``raft-sintel.pth``, ``raft-kitti.pth``, ``raft-chairs.pth``, and
``raft-small.pth`` for the small variant) load with strict key matching. The network:

- a feature encoder (instance norm) and a context encoder (batch norm; none in the small model)
  at 1/8 resolution;
- an all-pairs correlation volume, pooled into a 4-level pyramid and sampled in a (2r+1)^2
  window around the current match of every pixel;
- a convolutional GRU that refines the flow over ``iters`` steps;
- convex upsampling to full resolution (bilinear in the small model).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels)  # no affine parameters: nothing in the checkpoint
    if kind == "group":
        return nn.GroupNorm(num_groups=channels // 8, num_channels=channels)
    return nn.Sequential()  # "none"


class ResidualBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, norm: str, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, padding=1, stride=stride)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.norm1 = _norm(norm, planes)
        self.norm2 = _norm(norm, planes)
        self.downsample = None
        if stride != 1:
            # The release registers this norm twice (as norm3 and inside downsample): keep both
            # names so the checkpoint's keys match.
            self.norm3 = _norm(norm, planes)
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride), self.norm3)

    def forward(self, x):
        y = self.relu(self.norm1(self.conv1(x)))
        y = self.relu(self.norm2(self.conv2(y)))
        if self.downsample is not None:
            x = self.downsample(x)
        return self.relu(x + y)


class BottleneckBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, norm: str, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes // 4, 1)
        self.conv2 = nn.Conv2d(planes // 4, planes // 4, 3, padding=1, stride=stride)
        self.conv3 = nn.Conv2d(planes // 4, planes, 1)
        self.relu = nn.ReLU(inplace=True)
        self.norm1 = _norm(norm, planes // 4)
        self.norm2 = _norm(norm, planes // 4)
        self.norm3 = _norm(norm, planes)
        self.downsample = None
        if stride != 1:
            self.norm4 = _norm(norm, planes)
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride), self.norm4)

    def forward(self, x):
        y = self.relu(self.norm1(self.conv1(x)))
        y = self.relu(self.norm2(self.conv2(y)))
        y = self.relu(self.norm3(self.conv3(y)))
        if self.downsample is not None:
            x = self.downsample(x)
        return self.relu(x + y)


class Encoder(nn.Module):
    """7x7 stem at 1/2, three stages of two blocks (1/2, 1/4, 1/8), 1x1 projection."""

    def __init__(self, output_dim: int, norm: str, small: bool = False):
        super().__init__()
        block = BottleneckBlock if small else ResidualBlock
        widths = (32, 64, 96) if small else (64, 96, 128)
        self.norm1 = _norm(norm, widths[0])
        self.conv1 = nn.Conv2d(3, widths[0], 7, stride=2, padding=3)
        self.relu1 = nn.ReLU(inplace=True)
        stages, in_planes = [], widths[0]
        for width, stride in zip(widths, (1, 2, 2)):
            stages.append(nn.Sequential(block(in_planes, width, norm, stride), block(width, width, norm, 1)))
            in_planes = width
        self.layer1, self.layer2, self.layer3 = stages
        self.conv2 = nn.Conv2d(widths[-1], output_dim, 1)

    def forward(self, x):
        x = self.relu1(self.norm1(self.conv1(x)))
        return self.conv2(self.layer3(self.layer2(self.layer1(x))))


class MotionEncoder(nn.Module):
    def __init__(self, corr_planes: int, small: bool = False):
        super().__init__()
        self.small = small
        if small:
            self.convc1 = nn.Conv2d(corr_planes, 96, 1)
            self.convf1 = nn.Conv2d(2, 64, 7, padding=3)
            self.convf2 = nn.Conv2d(64, 32, 3, padding=1)
            self.conv = nn.Conv2d(128, 80, 3, padding=1)
        else:
            self.convc1 = nn.Conv2d(corr_planes, 256, 1)
            self.convc2 = nn.Conv2d(256, 192, 3, padding=1)
            self.convf1 = nn.Conv2d(2, 128, 7, padding=3)
            self.convf2 = nn.Conv2d(128, 64, 3, padding=1)
            self.conv = nn.Conv2d(64 + 192, 128 - 2, 3, padding=1)

    def forward(self, flow, corr):
        cor = F.relu(self.convc1(corr))
        if not self.small:
            cor = F.relu(self.convc2(cor))
        flo = F.relu(self.convf2(F.relu(self.convf1(flow))))
        out = F.relu(self.conv(torch.cat([cor, flo], dim=1)))
        return torch.cat([out, flow], dim=1)


def _gru_step(h, x, convz, convr, convq):
    hx = torch.cat([h, x], dim=1)
    z = torch.sigmoid(convz(hx))
    r = torch.sigmoid(convr(hx))
    q = torch.tanh(convq(torch.cat([r * h, x], dim=1)))
    return (1 - z) * h + z * q


class ConvGRU(nn.Module):
    def __init__(self, hidden_dim: int, input_dim: int):
        super().__init__()
        self.convz = nn.Conv2d(hidden_dim + input_dim, hidden_dim, 3, padding=1)
        self.convr = nn.Conv2d(hidden_dim + input_dim, hidden_dim, 3, padding=1)
        self.convq = nn.Conv2d(hidden_dim + input_dim, hidden_dim, 3, padding=1)

    def forward(self, h, x):
        return _gru_step(h, x, self.convz, self.convr, self.convq)


class SepConvGRU(nn.Module):
    """A GRU step with 1x5 convolutions, then one with 5x1."""

    def __init__(self, hidden_dim: int, input_dim: int):
        super().__init__()
        channels = hidden_dim + input_dim
        for name in ("z", "r", "q"):
            setattr(self, f"conv{name}1", nn.Conv2d(channels, hidden_dim, (1, 5), padding=(0, 2)))
            setattr(self, f"conv{name}2", nn.Conv2d(channels, hidden_dim, (5, 1), padding=(2, 0)))

    def forward(self, h, x):
        h = _gru_step(h, x, self.convz1, self.convr1, self.convq1)
        return _gru_step(h, x, self.convz2, self.convr2, self.convq2)


class FlowHead(nn.Module):
    def __init__(self, input_dim: int, hidden_dim: int):
        super().__init__()
        self.conv1 = nn.Conv2d(input_dim, hidden_dim, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden_dim, 2, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))


class UpdateBlock(nn.Module):
    def __init__(self, corr_planes: int, hidden_dim: int, small: bool = False):
        super().__init__()
        self.small = small
        self.encoder = MotionEncoder(corr_planes, small)
        if small:
            self.gru = ConvGRU(hidden_dim, input_dim=82 + 64)
            self.flow_head = FlowHead(hidden_dim, 128)
        else:
            self.gru = SepConvGRU(hidden_dim, input_dim=128 + hidden_dim)
            self.flow_head = FlowHead(hidden_dim, 256)
            self.mask = nn.Sequential(nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv2d(256, 64 * 9, 1))

    def forward(self, net, inp, corr, flow):
        motion = self.encoder(flow, corr)
        net = self.gru(net, torch.cat([inp, motion], dim=1))
        delta = self.flow_head(net)
        mask = None if self.small else 0.25 * self.mask(net)  # the release's gradient-balancing scale
        return net, mask, delta


def _pixel_coords(batch: int, height: int, width: int, device) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(height, device=device, dtype=torch.float32),
                            torch.arange(width, device=device, dtype=torch.float32), indexing="ij")
    return torch.stack([xs, ys])[None].repeat(batch, 1, 1, 1)


class CorrelationPyramid:
    """All-pairs feature correlation, average-pooled into ``levels`` levels, sampled per pixel."""

    def __init__(self, fmap1: torch.Tensor, fmap2: torch.Tensor, levels: int, radius: int):
        batch, dim, height, width = fmap1.shape
        corr = torch.matmul(fmap1.view(batch, dim, -1).transpose(1, 2), fmap2.view(batch, dim, -1))
        corr = corr.view(batch * height * width, 1, height, width) / torch.sqrt(torch.tensor(float(dim)))
        self.pyramid = [corr]
        for _ in range(levels - 1):
            corr = F.avg_pool2d(corr, 2, stride=2)
            self.pyramid.append(corr)
        self.radius = radius
        steps = torch.linspace(-radius, radius, 2 * radius + 1, device=fmap1.device)
        # Window offsets in the order the released checkpoints were trained with: the first
        # index moves the x offset, the second the y offset.
        first, second = torch.meshgrid(steps, steps, indexing="ij")
        self.offsets = torch.stack([first, second], dim=-1).view(1, 2 * radius + 1, 2 * radius + 1, 2)

    def __call__(self, coords: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = coords.shape
        centres = coords.permute(0, 2, 3, 1).reshape(batch * height * width, 1, 1, 2)
        sampled = []
        for level, corr in enumerate(self.pyramid):
            points = centres / 2**level + self.offsets
            h, w = corr.shape[-2:]
            grid = torch.stack([2 * points[..., 0] / max(w - 1, 1) - 1, 2 * points[..., 1] / max(h - 1, 1) - 1], -1)
            values = F.grid_sample(corr, grid, align_corners=True)
            sampled.append(values.view(batch, height, width, -1))
        return torch.cat(sampled, dim=-1).permute(0, 3, 1, 2).contiguous()


class RAFT(nn.Module):
    """RAFT (``small=False``: 4.8M parameters) or RAFT-small (1.0M)."""

    def __init__(self, small: bool = False):
        super().__init__()
        self.small = small
        self.hidden_dim = 96 if small else 128
        self.context_dim = 64 if small else 128
        self.corr_levels = 4
        self.corr_radius = 3 if small else 4
        corr_planes = self.corr_levels * (2 * self.corr_radius + 1) ** 2
        context = self.hidden_dim + self.context_dim
        if small:
            self.fnet = Encoder(128, "instance", small=True)
            self.cnet = Encoder(context, "none", small=True)
        else:
            self.fnet = Encoder(256, "instance")
            self.cnet = Encoder(context, "batch")
        self.update_block = UpdateBlock(corr_planes, self.hidden_dim, small)

    @staticmethod
    def _upsample_convex(flow: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Each full-resolution vector is a learned convex combination of its 3x3 coarse neighbours."""
        batch, _, height, width = flow.shape
        mask = torch.softmax(mask.view(batch, 1, 9, 8, 8, height, width), dim=2)
        neighbours = F.unfold(8 * flow, [3, 3], padding=1).view(batch, 2, 9, 1, 1, height, width)
        up = torch.sum(mask * neighbours, dim=2).permute(0, 1, 4, 2, 5, 3)
        return up.reshape(batch, 2, 8 * height, 8 * width)

    def forward(self, image1: torch.Tensor, image2: torch.Tensor, iters: int = 12) -> torch.Tensor:
        """Flow image1→image2 at full resolution; images are (B, 3, H, W) RGB in 0..255, H and W
        multiples of 8."""
        image1 = 2 * (image1 / 255.0) - 1.0
        image2 = 2 * (image2 / 255.0) - 1.0
        features = self.fnet(torch.cat([image1, image2], dim=0))
        fmap1, fmap2 = torch.split(features, [image1.shape[0], image2.shape[0]], dim=0)
        correlation = CorrelationPyramid(fmap1.float(), fmap2.float(), self.corr_levels, self.corr_radius)
        net, inp = torch.split(self.cnet(image1), [self.hidden_dim, self.context_dim], dim=1)
        net, inp = torch.tanh(net), torch.relu(inp)
        batch, _, height, width = fmap1.shape
        coords0 = _pixel_coords(batch, height, width, image1.device)
        coords1 = coords0.clone()
        mask = None
        for _ in range(iters):
            flow = coords1 - coords0
            net, mask, delta = self.update_block(net, inp, correlation(coords1), flow)
            coords1 = coords1 + delta
        flow = coords1 - coords0
        if mask is None:
            return 8 * F.interpolate(flow, scale_factor=8, mode="bilinear", align_corners=True)
        return self._upsample_convex(flow, mask)
